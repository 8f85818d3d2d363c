using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CryptoSentiment.Configuration;

namespace CryptoSentiment.Testing;

/// <summary>How to start Azurite's blob service.</summary>
public sealed record AzuriteOptions
{
    /// <summary>PEM certificate and key: serve HTTPS (needed for bearer tokens).</summary>
    public string? CertPemFile { get; init; }
    public string? KeyPemFile { get; init; }
    /// <summary><c>--oauth basic</c>: accept bearer tokens (HTTPS only).</summary>
    public bool OAuth { get; init; }
}

/// <summary>
/// A real Azurite blob service (npm <c>azurite</c>, installed into <c>tests/tools</c> by <c>tests/tools/setup-azurite.sh</c>)
/// on a free loopback port, in-memory, with a SharedKey account key generated per run (<c>AZURITE_ACCOUNTS</c>), so no
/// key is stored anywhere. Used by the Blob integration tests and <c>bench --azurite</c>. Dispose stops it.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    public const string Account = "devstoreaccount1";

    private readonly Process _process;
    private readonly DirectoryInfo _workDir;
    private readonly StringBuilder _output;

    private AzuriteServer(Process process, DirectoryInfo workDir, StringBuilder output, int port, string key, bool https)
    {
        _process = process;
        _workDir = workDir;
        _output = output;
        Port = port;
        AccountKey = key;
        IsHttps = https;
    }

    public int Port { get; }
    public bool IsHttps { get; }

    /// <summary>CPU time the emulator process has used so far (user + system), in seconds: the bench sets it beside the handlers'.</summary>
    public double CpuSeconds { get { _process.Refresh(); return _process.TotalProcessorTime.TotalSeconds; } }

    /// <summary>The account key of this run (random, base64).</summary>
    public string AccountKey { get; }

    /// <summary><c>http(s)://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri AccountUri => new($"{(IsHttps ? "https" : "http")}://127.0.0.1:{Port}/{Account}");

    /// <summary>The URL of a container (a <c>LAKE_URI</c>).</summary>
    public string ContainerUrl(string container) => $"{AccountUri.AbsoluteUri.TrimEnd('/')}/{container}";

    /// <summary>Settings for a SharedKey lake in <paramref name="container"/>.</summary>
    public Settings LakeSettings(string container, Settings? baseSettings = null) => (baseSettings ?? new Settings()) with
    {
        LakeUri = ContainerUrl(container),
        LakeAuth = "sharedkey",
        LakeAccountKey = AccountKey,
    };

    /// <summary>Installs Azurite when needed (idempotent), starts it and waits until it accepts connections.</summary>
    public static async Task<AzuriteServer> StartAsync(AzuriteOptions? options = null, CancellationToken ct = default)
    {
        options ??= new AzuriteOptions();
        var tools = FindToolsDir();
        await RunSetupAsync(tools, ct);
        var main = Path.Combine(tools, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var workDir = Directory.CreateTempSubdirectory("cs-azurite-");
            var psi = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workDir.FullName,
            };
            foreach (var a in new[] { main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "--inMemoryPersistence", "--disableTelemetry", "--silent" })
                psi.ArgumentList.Add(a);
            if (options.CertPemFile is not null)
            {
                psi.ArgumentList.Add("--cert");
                psi.ArgumentList.Add(options.CertPemFile);
                psi.ArgumentList.Add("--key");
                psi.ArgumentList.Add(options.KeyPemFile ?? throw new ArgumentException("KeyPemFile is required with CertPemFile."));
            }
            if (options.OAuth)
            {
                psi.ArgumentList.Add("--oauth");
                psi.ArgumentList.Add("basic");
            }
            psi.Environment["AZURITE_ACCOUNTS"] = $"{Account}:{key}";
            var output = new StringBuilder();
            var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new AzuriteServer(process, workDir, output, port, key, options.CertPemFile is not null);
            try
            {
                await server.WaitReadyAsync(TimeSpan.FromSeconds(60), ct);
                return server;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = e;
                server.Dispose();
            }
        }
        throw new InvalidOperationException($"Azurite did not start: {last?.Message}", last);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {Output}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, ct);
                return;
            }
            catch (SocketException) { await Task.Delay(50, ct); }
        }
        throw new TimeoutException($"Azurite did not listen on port {Port} within {timeout.TotalSeconds:0} s: {Output}");
    }

    /// <summary>What Azurite printed so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The repository's <c>tests/tools</c> folder, found by walking up from the binaries.</summary>
    public static string FindToolsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "tools");
            if (File.Exists(Path.Combine(candidate, "setup-azurite.sh"))) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/tools/setup-azurite.sh not found above {AppContext.BaseDirectory} (run from the repository).");
    }

    private static async Task RunSetupAsync(string tools, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Path.Combine(tools, "setup-azurite.sh"));
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"tests/tools/setup-azurite.sh failed (exit {p.ExitCode}): {await stderr}{await stdout}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { _workDir.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
