using Azure.Core;
using Azure.Identity;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>The Entra token credential named by <c>LAKE_AUTH</c> (bearer auth of the Blob lake).</summary>
public static class LakeCredentials
{
    /// <summary>
    /// <c>managedidentity</c> → <see cref="ManagedIdentityCredential"/> (user-assigned when <c>AZURE_CLIENT_ID</c> is set, else
    /// system-assigned), <c>azurecli</c> → <see cref="AzureCliCredential"/>, <c>default</c> → <see cref="DefaultAzureCredential"/>.
    /// </summary>
    public static TokenCredential Create(string lakeAuth, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return lakeAuth.ToLowerInvariant() switch
        {
            "managedidentity" => env("AZURE_CLIENT_ID") is { Length: > 0 } clientId
                ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
            "azurecli" => new AzureCliCredential(),
            "default" => new DefaultAzureCredential(),
            var other => throw new ArgumentException($"LAKE_AUTH '{other}' is not a token credential: use managedidentity, azurecli or default."),
        };
    }
}
