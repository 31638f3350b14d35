using CertFleet.Grains.Certificates;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The request history as a table: revision issued and spec.revisionHistoryLimit in, the request pruned out.</summary>
public sealed class RequestHistoryStepTests
{
    [Theory]
    [InlineData(1, null, null)]
    [InlineData(2, null, "web-1")]
    [InlineData(2, 1, "web-1")]
    [InlineData(2, 0, "web-1")] // below 1 counts as 1, as cert-manager's minimum
    [InlineData(3, 2, "web-1")]
    [InlineData(2, 2, null)]
    [InlineData(10, 3, "web-7")]
    public void PrunesTheRequestThatFallsOutOfTheHistory(int revision, int? limit, string? pruned) =>
        Assert.Equal(pruned, RequestHistoryStep.Pruned("web", revision, limit));
}
