using Azure.Core;
using Azure.Core.Pipeline;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

/// <summary>
/// Puts <see cref="BoundedBody"/> under Azure.Core's own reading of each answer (ARM and Entra token requests): placed
/// right before the transport, it wraps the network stream before Azure.Core buffers it, so an answer past the limit
/// stops there (Azure.Core follows no redirects by default, and the transports CertFleet gives it decompress nothing).
/// </summary>
internal sealed class AzureAnswerLimitPolicy(string answerOf) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Limit(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Limit(message);
    }

    private void Limit(HttpMessage message)
    {
        if (message.Response.ContentStream is not { } raw)
            return;
        var encodings = message.Response.Headers.TryGetValues("Content-Encoding", out var values) ? values.SelectMany(v => v.Split(',')) : [];
        message.Response.ContentStream = BoundedBody.Open(raw, encodings.ToList(), BoundedBody.DefaultLimit, answerOf);
    }
}
