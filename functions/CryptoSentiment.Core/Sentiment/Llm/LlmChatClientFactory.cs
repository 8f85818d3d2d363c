using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.Identity;
using OpenAI;
using OpenAI.Chat;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>
/// Builds the one <see cref="ChatClient"/> of the LLM scorer: OpenAI 2.x SDK against the v1 base URL, the deployment as the
/// model, the SDK's own retries off (Polly is the only retry layer), and the auth the options ask for — an API key
/// (<c>api-key</c> header for Azure, Bearer for OpenAI-compatible servers) or an Entra ID bearer token.
/// </summary>
public static class LlmChatClientFactory
{
    public static ChatClient Create(LlmScorerOptions o, PipelineTransport? transport = null)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = o.BaseUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Polly's per-attempt timeout fires first; this only bounds a call that ignores cancellation.
            NetworkTimeout = o.Timeout + TimeSpan.FromSeconds(5),
            UserAgentApplicationId = "crypto-sentiment",
        };
        if (transport is not null) options.Transport = transport;
#pragma warning disable OPENAI001 // the AuthenticationPolicy constructor is [Experimental] in OpenAI 2.x; it is the documented way to use Entra ID
        return new ChatClient(o.Deployment, AuthPolicy(o), options);
#pragma warning restore OPENAI001
    }

    /// <summary>The authentication policy for the options (see <see cref="LlmKeyHeader"/>; no key → Entra ID token).</summary>
    public static AuthenticationPolicy AuthPolicy(LlmScorerOptions o)
    {
        if (o.ApiKey is { Length: > 0 } key)
            return o.KeyHeader == LlmKeyHeader.ApiKey
                ? ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(key), "api-key")
                : ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(key));
        return new BearerTokenPolicy(o.Credential ?? new DefaultAzureCredential(), o.TokenScope);
    }
}
