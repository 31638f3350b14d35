using System.Net;
using System.Text;
using CertFleet.Kubernetes.Bridge;

namespace CertFleet.Bridge.Tests.Connection;

public sealed class BufferedResponseHandlerTests
{
    [Fact]
    public async Task Bodies_are_read_to_the_end_before_the_response_is_handed_on()
    {
        var body = new SlowBody();
        using var client = new HttpMessageInvoker(new BufferedResponseHandler { InnerHandler = new Answering(body) });

        var sending = client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://api.test/apis/cert-manager.io/v1/certificates"), default);
        await Task.Delay(50);
        Assert.False(sending.IsCompleted); // still waiting for the rest of the body
        body.Finish("rest\"}");
        using var response = await sending;

        // A synchronous read (as KubernetesClient deserialises) now finds everything in memory.
        using var reader = new StreamReader(response.Content.ReadAsStream());
        Assert.Equal("{\"kind\":\"rest\"}", reader.ReadToEnd());
    }

    [Fact]
    public async Task Watches_stay_streamed()
    {
        var body = new SlowBody();
        using var client = new HttpMessageInvoker(new BufferedResponseHandler { InnerHandler = new Answering(body) });

        using var response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "https://api.test/apis/cert-manager.io/v1/certificates?watch=true&resourceVersion=5"), default);

        Assert.False(body.Finished);
        body.Finish("rest\"}");
    }

    private sealed class Answering(SlowBody body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
    }

    /// <summary>A body whose first bytes are there at once and whose end arrives when the test says so.</summary>
    private sealed class SlowBody : Stream
    {
        private readonly TaskCompletionSource<byte[]> _rest = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private byte[] _pending = Encoding.UTF8.GetBytes("{\"kind\":\"");
        private bool _restTaken;

        public bool Finished => _rest.Task.IsCompleted;

        public void Finish(string rest) => _rest.TrySetResult(Encoding.UTF8.GetBytes(rest));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_pending.Length == 0 && !_restTaken)
            {
                _pending = await _rest.Task.WaitAsync(cancellationToken);
                _restTaken = true;
            }
            var n = Math.Min(buffer.Length, _pending.Length);
            _pending.AsSpan(0, n).CopyTo(buffer.Span);
            _pending = _pending[n..];
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("a synchronous read of a network body");
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
