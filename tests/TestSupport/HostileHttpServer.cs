using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>How <see cref="HostileHttpServer"/> answers every request under one path prefix.</summary>
public enum HostileAnswer
{
    /// <summary>200 with Content-Encoding gzip: about 1 MiB that inflates to 1 GiB.</summary>
    GzipBomb,

    /// <summary>200 with a plain 100 MB body, streamed in chunks without a Content-Length, so only reading can tell its size.</summary>
    HugeBody,

    /// <summary>200 with a body of one byte a second for <see cref="HostileHttpServer.TrickleFor"/> (60 s).</summary>
    Trickle,

    /// <summary>302 to the same path on another host.</summary>
    RedirectElsewhere,

    /// <summary>400 with an ACME problem document of 10 MB (its detail).</summary>
    HugeProblem,

    /// <summary>400 with an ACME problem document of 512 KiB (its detail), under every body limit.</summary>
    LongProblemDetail,
}

/// <summary>
/// A server a hostile tenant (or a broken provider) would run: every request under <c>/{answer}/</c> gets that
/// <see cref="HostileAnswer"/>, whatever it asks for, so a test points an ACME directory or a provider's API root at
/// <see cref="UrlFor"/>; a server started with one answer for everything serves clients that set the whole path
/// themselves (Route53). Counts requests per answer; gives up writing when the client hangs up.
/// </summary>
public sealed class HostileHttpServer : IAsyncDisposable
{
    public const long GzipBombInflatedBytes = 1L << 30;
    public const long HugeBodyBytes = 100_000_000;
    public const int HugeProblemBytes = 10_000_000;
    public const int LongProblemDetailChars = 512 * 1024;
    public const string ElsewhereHost = "elsewhere.invalid";

    // Made once per process, before the first request, so a test measuring its client's memory measures only that.
    private static readonly Lazy<byte[]> Bomb = new(CompressZeros);
    private static readonly Lazy<byte[]> HugeProblemDocument = new(() => ProblemDocument(HugeProblemBytes));
    private static readonly Lazy<byte[]> LongProblemDocument = new(() => ProblemDocument(LongProblemDetailChars));

    private readonly WebApplication _app;
    private readonly HostileAnswer? _everything;
    private readonly ConcurrentDictionary<HostileAnswer, int> _requests = new();

    private HostileHttpServer(WebApplication app, HostileAnswer? everything)
    {
        _app = app;
        _everything = everything;
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>How long <see cref="HostileAnswer.Trickle"/> keeps sending; the client's timeout should end it first.</summary>
    public TimeSpan TrickleFor { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The gzip bomb as sent on the wire.</summary>
    public static byte[] GzipBomb => Bomb.Value;

    /// <summary>A URL whose every request gets <paramref name="answer"/>, e.g. an ACME directory URL with path "directory".</summary>
    public Uri UrlFor(HostileAnswer answer, string path = "") => new(BaseUrl, $"/{answer}/{path}");

    public int RequestsFor(HostileAnswer answer) => _requests.GetValueOrDefault(answer);

    /// <param name="everything">Answer every path this way, not by its first segment.</param>
    /// <param name="httpsCertificate">Listen on https with it (clients that refuse http, like Azure.Core with a bearer token).</param>
    public static async Task<HostileHttpServer> StartAsync(TimeSpan? trickleFor = null, HostileAnswer? everything = null, X509Certificate2? httpsCertificate = null)
    {
        _ = (Bomb.Value, HugeProblemDocument.Value, LongProblemDocument.Value);
        var app = LoopbackWebServer.Build(httpsCertificate);
        var server = new HostileHttpServer(app, everything) { TrickleFor = trickleFor ?? TimeSpan.FromSeconds(60) };
        app.Run(server.AnswerAsync);
        server.BaseUrl = (await app.StartListeningAsync()).Single();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        HostileAnswer answer;
        if (_everything is { } everything)
            answer = everything;
        else if (segments.Length == 0 || !Enum.TryParse(segments[0], out answer))
        {
            context.Response.StatusCode = 404;
            return;
        }
        _requests.AddOrUpdate(answer, 1, (_, n) => n + 1);
        var response = context.Response;
        var ct = context.RequestAborted;
        try
        {
            switch (answer)
            {
                case HostileAnswer.GzipBomb:
                    response.ContentType = "application/json";
                    response.Headers.ContentEncoding = "gzip";
                    response.ContentLength = Bomb.Value.Length;
                    await response.Body.WriteAsync(Bomb.Value, ct);
                    break;
                case HostileAnswer.HugeBody:
                    response.ContentType = "application/json";
                    var chunk = new byte[64 * 1024];
                    Array.Fill(chunk, (byte)' ');
                    for (long sent = 0; sent < HugeBodyBytes; sent += chunk.Length)
                        await response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, HugeBodyBytes - sent)), ct);
                    break;
                case HostileAnswer.Trickle:
                    response.ContentType = "application/json";
                    await response.StartAsync(ct);
                    for (var started = DateTime.UtcNow; DateTime.UtcNow - started < TrickleFor;)
                    {
                        await response.Body.WriteAsync(" "u8.ToArray(), ct);
                        await response.Body.FlushAsync(ct);
                        await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    }
                    await response.Body.WriteAsync("{}"u8.ToArray(), ct);
                    break;
                case HostileAnswer.RedirectElsewhere:
                    response.StatusCode = 302;
                    response.Headers.Location = $"http://{ElsewhereHost}{context.Request.Path}";
                    break;
                case HostileAnswer.HugeProblem or HostileAnswer.LongProblemDetail:
                    var document = answer == HostileAnswer.HugeProblem ? HugeProblemDocument.Value : LongProblemDocument.Value;
                    response.StatusCode = 400;
                    response.ContentType = "application/problem+json";
                    response.ContentLength = document.Length;
                    await response.Body.WriteAsync(document, ct);
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client hung up, as it should.
        }
    }

    /// <summary>
    /// 1,024 gzip members of 1 MiB of zeros each, back to back (RFC 1952 allows any number; decoders read them as one
    /// body): about 1 MiB on the wire, 1 GiB inflated, made in milliseconds rather than by compressing a GiB.
    /// </summary>
    private static byte[] CompressZeros()
    {
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(new byte[1024 * 1024]);
        var one = member.ToArray();
        var members = (int)(GzipBombInflatedBytes / (1024 * 1024));
        var bomb = new byte[one.Length * members];
        for (var i = 0; i < members; i++)
            one.CopyTo(bomb, i * one.Length);
        return bomb;
    }

    private static byte[] ProblemDocument(int detailChars)
    {
        const string head = "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"status\":400,\"detail\":\"";
        var builder = new StringBuilder(detailChars + head.Length + 8).Append(head);
        // Words, so the cut point shows in the message the way a real CA's long text would.
        while (builder.Length - head.Length < detailChars)
            builder.Append("the CA explains at length ");
        builder.Length = head.Length + detailChars;
        return Encoding.UTF8.GetBytes(builder.Append("\"}").ToString());
    }
}
