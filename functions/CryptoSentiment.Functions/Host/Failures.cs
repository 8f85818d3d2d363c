using System.Net.Sockets;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Functions.Host;

/// <summary>
/// Which failures are worth a retry. The host retries an invocation (function.json <c>retry</c>) only when the handler
/// answers non-2xx, so: 500 for transient failures, 400 for requests that break the host contract.
/// </summary>
public static class Failures
{
    /// <summary>Storage/IO, network, timeouts, and Delta commit conflicts that outlasted the in-process retries.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        IOException or TimeoutException or HttpRequestException or SocketException or DeltaConflictException => true,
        OperationCanceledException => true, // a timeout inside the pipeline (the host's own abort never gets an answer)
        AggregateException a => a.InnerExceptions.Any(IsTransient),
        _ => e.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>The HTTP status to answer: 400 for a broken request, 500 otherwise (transient, or unexpected: a retry is safer than dropping a batch).</summary>
    public static int StatusFor(Exception e) => e is PayloadException ? 400 : 500;

    public static string Describe(Exception e) =>
        e is PayloadException ? "bad request" : IsTransient(e) ? "transient failure (the host will retry)" : "unexpected failure (the host will retry)";
}
