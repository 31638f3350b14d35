using System.IO.Compression;
using System.Net;
using System.Text;
using CertFleet.Providers.Http;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Http;

public sealed class BoundedBodyTests
{
    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused_naming_the_limit()
    {
        var exact = await BoundedBody.ReadStringAsync(new StringContent(new string('a', 1024)), 1024, "the test server's answer", default);
        Assert.Equal(1024, exact.Length);

        var error = await Assert.ThrowsAsync<ResponseBodyRefusedException>(() =>
            BoundedBody.ReadStringAsync(new StreamContent(new MemoryStream(new byte[1025])), 1024, "the test server's answer", default));
        Assert.Equal("the test server's answer exceeded 1 KiB", error.Message);
        Assert.Equal(1024, error.Limit);
    }

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(3 * 1024 * 1024, 3 * 1024 * 1024)]
    [InlineData(3 * 1024 * 1024 + 1, 3 * 1024 * 1024)]
    [InlineData(100_000, 3 * 1024 * 1024)]
    public async Task A_body_of_unknown_length_is_read_whole_up_to_the_limit_and_refused_past_it(int size, int limit)
    {
        var data = new byte[size];
        Random.Shared.NextBytes(data);
        // Not seekable, so no Content-Length: only reading tells the size.
        var content = new StreamContent(new CountingStream(new MemoryStream(data)));
        Assert.Null(content.Headers.ContentLength);

        if (size <= limit)
            Assert.Equal(data, await BoundedBody.ReadBytesAsync(content, limit, "x's answer", default));
        else
            await Assert.ThrowsAsync<ResponseBodyRefusedException>(() => BoundedBody.ReadBytesAsync(content, limit, "x's answer", default));
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_the_body_is_read()
    {
        var body = new CountingStream(new MemoryStream(new byte[4096]));
        var content = new StreamContent(body);
        content.Headers.ContentLength = 4096;

        var error = await Assert.ThrowsAsync<ResponseBodyRefusedException>(() => BoundedBody.ReadBytesAsync(content, 1000, "x's answer", default));

        Assert.Equal("x's answer exceeded 1,000 bytes", error.Message);
        Assert.Equal(0, body.BytesRead);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task Encoded_bodies_are_decoded_and_the_limit_counts_decoded_bytes(string encoding)
    {
        var text = string.Concat(Enumerable.Repeat("{\"status\":\"valid\"}", 100));
        var small = Encoded(encoding, Encoding.UTF8.GetBytes(text));
        Assert.Equal(text, await BoundedBody.ReadStringAsync(small, 64 * 1024, "x's answer", default));

        // 1 MiB of zeros compresses to a few KiB: the compressed size is under the limit, the decoded one is not.
        var inflating = Encoded(encoding, new byte[1024 * 1024]);
        Assert.True(inflating.Headers.ContentLength < 64 * 1024);
        var error = await Assert.ThrowsAsync<ResponseBodyRefusedException>(() => BoundedBody.ReadBytesAsync(inflating, 64 * 1024, "x's answer", default));
        Assert.Equal("x's answer exceeded 64 KiB", error.Message);
    }

    [Fact]
    public async Task An_encoding_it_cannot_decode_is_refused_by_name()
    {
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentEncoding.Add("zstd");

        var error = await Assert.ThrowsAsync<ResponseBodyRefusedException>(() => BoundedBody.ReadBytesAsync(content, 1024, "x's answer", default));

        Assert.Equal("x's answer came with Content-Encoding \"zstd\", which CertFleet does not decode", error.Message);
    }

    [Fact]
    public async Task A_redirect_is_refused_naming_where_it_pointed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Found)
        {
            RequestMessage = new HttpRequestMessage(HttpMethod.Get, "https://api.test/v4/zones"),
            Content = new StringContent(""),
        };
        response.Headers.Location = new Uri("http://elsewhere.test/steal");

        var error = await Assert.ThrowsAsync<ResponseBodyRefusedException>(() => BoundedBody.ReadStringAsync(response, 1024, "the API's answer", default));

        Assert.Equal("the API's answer was a redirect (HTTP 302) to http://elsewhere.test/steal, which CertFleet does not follow", error.Message);
    }

    [Fact]
    public void The_fakes_gzip_bomb_is_about_1_MiB_and_inflates_to_1_GiB()
    {
        var bomb = HostileHttpServer.GzipBomb;
        using var inflating = new GZipStream(new MemoryStream(bomb), CompressionMode.Decompress);
        var buffer = new byte[1024 * 1024];
        long inflated = 0;
        int read;
        while ((read = inflating.Read(buffer)) > 0)
            inflated += read;

        Assert.InRange(bomb.Length, 512 * 1024, 2 * 1024 * 1024);
        Assert.Equal(HostileHttpServer.GzipBombInflatedBytes, inflated);
    }

    [Fact]
    public void Excerpt_keeps_short_text_and_marks_what_it_cut()
    {
        Assert.Equal("short", BoundedBody.Excerpt("short", 10));
        Assert.Equal("abcde… (cut at 5 of 12 characters)", BoundedBody.Excerpt("abcdefghijkl", 5));
        // A surrogate pair is never split.
        var emoji = "ab\U0001F600cd";
        Assert.Equal("ab… (cut at 3 of 6 characters)", BoundedBody.Excerpt(emoji, 3));
    }

    private static ByteArrayContent Encoded(string encoding, byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream encoder = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        })
            encoder.Write(data);
        var content = new ByteArrayContent(output.ToArray());
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
