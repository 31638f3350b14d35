namespace CertFleet.Chart.Tests;

/// <summary>values.schema.json refuses bad values before anything renders, with helm's own error naming the value.</summary>
public sealed class ValuesSchemaTests
{
    [Theory]
    [InlineData("--set", "storage.type=mysql", "at '/storage/type': value must be one of 'memory', 'redis'")]
    [InlineData("--set-string", "replicaCount=three", "at '/replicaCount': got string, want integer")]
    [InlineData("--set", "replicaCount=3", "at '/storage/type': value must be 'redis'")]
    [InlineData("--set", "replicas=3", "additional properties 'replicas' not allowed")]
    [InlineData("--set", "storage.redis.url=redis:6379", "at '/storage/redis': additional properties 'url' not allowed")]
    [InlineData("--set", "podAntiAffinity=soft", "at '/podAntiAffinity': value must be one of 'preferred', 'required', 'none'")]
    [InlineData("--set", "metricsService.port=70000", "at '/metricsService/port': maximum: got 70,000, want 65,535")]
    [InlineData("--set", "podDisruptionBudget.maxUnavailable=half", "at '/podDisruptionBudget/maxUnavailable': 'oneOf' failed")]
    [InlineData("--set", "prometheus.serviceMonitor.interval=1 minute", "at '/prometheus/serviceMonitor/interval'")]
    [InlineData("--set", "networkPolicy.solver.from[0].pods=x", "additional properties 'pods' not allowed")]
    [InlineData("--set", "dns01Webhooks[0].groupName=Hetzner,dns01Webhooks[0].solverNames={hetzner}", "at '/dns01Webhooks/0/groupName': 'Hetzner' does not match pattern")]
    [InlineData("--set", "dns01Webhooks[0].groupName=acme.example.com", "at '/dns01Webhooks/0': missing property 'solverNames'")]
    [InlineData("--set", "http01Service.fleetEndpoint=silos.example.net", "at '/http01Service/fleetEndpoint': 'silos.example.net' does not match pattern")]
    [InlineData("--set", "certificateRequestMaximumBackoffDuration=32 hours", "at '/certificateRequestMaximumBackoffDuration': '32 hours' does not match pattern")]
    [InlineData("--set", "certificateRequestMinimumBackoffDuration=01:00:00", "at '/certificateRequestMinimumBackoffDuration': '01:00:00' does not match pattern")]
    [InlineData("--set", "approveSignerNames[0]=stepissuers.certmanager.step.sm/default.step", "at '/approveSignerNames/0'")]
    public async Task Bad_values_fail_with_helms_schema_error(string flag, string value, string expected)
    {
        var (exitCode, output) = await RenderedChart.TemplateAsync(flag, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("values don't meet the specifications of the schema(s)", output);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Several_replicas_with_redis_pass_the_schema()
    {
        var (exitCode, output) = await RenderedChart.TemplateAsync(
            "--set", "replicaCount=3", "--set", "storage.type=redis", "--set", "storage.redis.connectionString=redis:6379",
            "--set", "podDisruptionBudget.maxUnavailable=50%");

        Assert.True(exitCode == 0, output);
    }
}
