using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace CertFleet.Providers.Http;

/// <summary>
/// Reads what a tenant-named or provider server answers without trusting its size: at most a limit of decoded bytes,
/// with gzip, deflate and br decoded here (clients using it keep the handler's automatic decompression off), so no
/// more than the limit plus one read is ever inflated. Past the limit, reading stops with a
/// <see cref="ResponseBodyRefusedException"/> whose message names the limit. Time is the caller's: pass the token of
/// its request timeout so a slow body ends there too. Meant for every client of a server CertFleet does not control
/// (ACME, DNS provider APIs, the HTTP-01 self-check; later Vault and DNS-01 webhooks).
/// </summary>
public static class BoundedBody
{
    /// <summary>ACME JSON, DNS provider API answers and error documents.</summary>
    public const int DefaultLimit = 1024 * 1024;

    private const int ChunkBytes = 16 * 1024;

    /// <summary>
    /// The decoded body of <paramref name="response"/> as text, refusing a redirect: the clients using this follow
    /// none (their handlers have automatic redirects off), so a 3xx here would otherwise be read as an answer.
    /// </summary>
    public static Task<string> ReadStringAsync(HttpResponseMessage response, long limit, string answerOf, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            var target = response.Headers.Location is { } location
                ? Excerpt(response.RequestMessage?.RequestUri is { } from ? new Uri(from, location).AbsoluteUri : location.OriginalString, 200)
                : "nowhere";
            throw new ResponseBodyRefusedException($"{answerOf} was a redirect (HTTP {status}) to {target}, which CertFleet does not follow", null);
        }
        return ReadStringAsync(response.Content, limit, answerOf, ct);
    }

    /// <summary>The decoded body as text (charset from Content-Type, else UTF-8).</summary>
    public static async Task<string> ReadStringAsync(HttpContent content, long limit, string answerOf, CancellationToken ct)
    {
        var (buffer, length) = await ReadPooledAsync(content, limit, answerOf, ct).ConfigureAwait(false);
        try
        {
            return Charset(content).GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The decoded body, at most <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpContent content, long limit, string answerOf, CancellationToken ct)
    {
        var (buffer, length) = await ReadPooledAsync(content, limit, answerOf, ct).ConfigureAwait(false);
        try
        {
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads into pooled buffers that grow with the body up to the limit, so neither a refused answer nor a large
    /// accepted one leaves buffers behind for the garbage collector. The caller returns the buffer.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadPooledAsync(HttpContent content, long limit, string answerOf, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, Array.MaxLength - 1);
        var encodings = content.Headers.ContentEncoding;
        // A plain body that declares more than the limit is refused before a byte is read.
        if (content.Headers.ContentLength > limit && IsIdentity(encodings))
            throw ResponseBodyRefusedException.TooLarge(answerOf, limit);
        var raw = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var body = Open(raw, encodings, limit, answerOf);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, ChunkBytes));
        var length = 0;
        try
        {
            while (true)
            {
                var capacity = (int)Math.Min(buffer.Length, limit);
                if (length == capacity)
                {
                    if (length == limit)
                    {
                        // Full at the limit: one more byte is past it, nothing more is the end.
                        if (await body.ReadAsync(new byte[1], ct).ConfigureAwait(false) == 0)
                            return (buffer, length);
                        throw ResponseBodyRefusedException.TooLarge(answerOf, limit);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, 2L * buffer.Length));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    capacity = (int)Math.Min(buffer.Length, limit);
                }
                var read = await body.ReadAsync(buffer.AsMemory(length, capacity - length), ct).ConfigureAwait(false);
                if (read == 0)
                    return (buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Wraps a raw body stream: decodes <paramref name="contentEncodings"/> (listed in the order they were applied) and
    /// throws once more than <paramref name="limit"/> decoded bytes are asked for. For libraries that read the body
    /// themselves (Azure.Core's buffering), hand them this stream instead of the raw one. Owns <paramref name="raw"/>.
    /// </summary>
    public static Stream Open(Stream raw, IEnumerable<string> contentEncodings, long limit, string answerOf)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var decoded = raw;
        foreach (var encoding in contentEncodings.Reverse())
        {
            decoded = encoding.Trim().ToLowerInvariant() switch
            {
                "gzip" or "x-gzip" => new GZipStream(decoded, CompressionMode.Decompress),
                "deflate" => new ZLibStream(decoded, CompressionMode.Decompress),
                "br" => new BrotliStream(decoded, CompressionMode.Decompress),
                "identity" or "" => decoded,
                var other => Unsupported(decoded, other, answerOf),
            };
        }
        return new CappedStream(decoded, limit, answerOf);
    }

    /// <summary>
    /// At most <paramref name="maxChars"/> characters of a server's text (a problem detail, a provider's error message)
    /// for a status, Event or log line, with a marker saying how much was cut.
    /// </summary>
    public static string Excerpt(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= maxChars)
            return text;
        // Never split a surrogate pair: the half left over is not valid UTF-16 for the API server.
        var cut = char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return string.Concat(text.AsSpan(0, cut), $"… (cut at {maxChars:N0} of {text.Length:N0} characters)");
    }

    /// <summary>"1 MiB", "64 KiB", "500 bytes".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes"),
    };

    private static bool IsIdentity(ICollection<string> encodings) =>
        encodings.All(e => e.Trim() is "" || e.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase));

    private static Stream Unsupported(Stream raw, string encoding, string answerOf)
    {
        raw.Dispose();
        throw new ResponseBodyRefusedException($"{answerOf} came with Content-Encoding \"{Excerpt(encoding, 40)}\", which CertFleet does not decode", null);
    }

    private static Encoding Charset(HttpContent content)
    {
        var charset = content.Headers.ContentType?.CharSet?.Trim('"');
        if (string.IsNullOrEmpty(charset))
            return Encoding.UTF8;
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    /// <summary>Reads through to the decoder, never asking it for more than one byte past the limit.</summary>
    private sealed class CappedStream(Stream inner, long limit, string answerOf) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer[..Allowed(buffer.Length)]);
            return Count(read);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken).ConfigureAwait(false);
            return Count(read);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync()
        {
            GC.SuppressFinalize(this);
            return inner.DisposeAsync();
        }

        // One byte more than the limit tells a body of exactly the limit from a longer one.
        private int Allowed(int wanted) => (int)Math.Min(wanted, limit + 1 - _read);

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
                throw ResponseBodyRefusedException.TooLarge(answerOf, limit);
            return read;
        }
    }
}
