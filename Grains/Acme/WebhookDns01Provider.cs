using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Dns01;
using CertFleet.Providers.Http01;

namespace CertFleet.Grains.Acme;

/// <summary>
/// A <c>dns01.webhook</c> solver: each Present and CleanUp is a ChallengeRequest to the webhook through the cluster's
/// API server, with the zone of the record found by SOA queries first, as cert-manager sends it. The webhook's failure
/// message, or the API server's, becomes the <see cref="Dns01ProviderException"/> shown on the Challenge.
/// </summary>
internal sealed class WebhookDns01Provider(
    IDns01WebhookSolvers webhooks,
    Dns01PropagationCheck dns,
    string cluster,
    WebhookDns01Request request,
    IReadOnlyList<string> nameservers) : IDns01Provider
{
    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        CallAsync(Dns01WebhookAction.Present, fqdn, value, ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        CallAsync(Dns01WebhookAction.CleanUp, fqdn, value, ct);

    private async Task CallAsync(Dns01WebhookAction action, string fqdn, string value, CancellationToken ct)
    {
        var solver = $"webhook \"{request.GroupName}/{request.SolverName}\"";
        string zone;
        try
        {
            zone = await dns.FindZoneAsync(fqdn, nameservers, ct);
        }
        catch (DnsResolutionException ex)
        {
            throw new Dns01ProviderException($"{solver}: {ex.Message}", ex);
        }
        Dns01WebhookAnswer answer;
        try
        {
            answer = await webhooks.CallAsync(cluster, new Dns01WebhookCall(
                request.GroupName, request.SolverName, action, request.DnsName, value, request.ResourceNamespace,
                fqdn, zone, request.AllowAmbientCredentials, request.Config), ct);
        }
        catch (ClusterWriteException ex)
        {
            throw new Dns01ProviderException($"{solver}: {ex.Message}", ex);
        }
        if (!answer.Success)
            throw new Dns01ProviderException($"{solver}: {answer.Message}");
    }
}

/// <summary>What a webhook solver's requests carry besides the record: the solver, the Challenge's dnsName and the issuer's scope.</summary>
internal sealed record WebhookDns01Request(
    string GroupName,
    string SolverName,
    string DnsName,
    string ResourceNamespace,
    bool AllowAmbientCredentials,
    string? Config);
