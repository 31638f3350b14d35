using System.Net.Http.Json;
using System.Text.Json;

namespace CertFleet.TestSupport;

/// <summary>
/// Drives a running pebble-challtestsrv through its management API: HTTP-01 responses, TLS-ALPN-01 certificates and
/// the mock DNS Pebble resolves through. Host names in DNS calls are normalised to end with a dot.
/// </summary>
public sealed class ChallengeTestServer : IDisposable
{
    private readonly HttpClient _management;

    internal ChallengeTestServer(int managementPort, int http01Port, int tlsAlpn01Port, int dnsPort)
    {
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        Http01Port = http01Port;
        TlsAlpn01Port = tlsAlpn01Port;
        DnsPort = dnsPort;
    }

    /// <summary>The HTTP-01 server's port on 127.0.0.1.</summary>
    public int Http01Port { get; }

    /// <summary>The TLS-ALPN-01 server's port on 127.0.0.1.</summary>
    public int TlsAlpn01Port { get; }

    /// <summary>The mock DNS server's port (UDP and TCP) on 127.0.0.1; Pebble's -dnsserver.</summary>
    public int DnsPort { get; }

    /// <summary>Serves <paramref name="content"/> at /.well-known/acme-challenge/<paramref name="token"/> for any host.</summary>
    public Task AddHttp01Async(string token, string content, CancellationToken ct = default) =>
        PostAsync("add-http01", new { token, content }, ct);

    public Task RemoveHttp01Async(string token, CancellationToken ct = default) =>
        PostAsync("del-http01", new { token }, ct);

    /// <summary>Serves a TLS-ALPN-01 certificate for <paramref name="host"/> built from the key authorization.</summary>
    public Task AddTlsAlpn01Async(string host, string keyAuthorization, CancellationToken ct = default) =>
        PostAsync("add-tlsalpn01", new { host, content = keyAuthorization }, ct);

    public Task RemoveTlsAlpn01Async(string host, CancellationToken ct = default) =>
        PostAsync("del-tlsalpn01", new { host }, ct);

    /// <summary>Appends a TXT value at <paramref name="host"/> (repeated calls add values, as for apex + wildcard).</summary>
    public Task SetTxtAsync(string host, string value, CancellationToken ct = default) =>
        PostAsync("set-txt", new { host = Fqdn(host), value }, ct);

    public Task ClearTxtAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-txt", new { host = Fqdn(host) }, ct);

    public Task AddARecordAsync(string host, IReadOnlyList<string> addresses, CancellationToken ct = default) =>
        PostAsync("add-a", new { host = Fqdn(host), addresses }, ct);

    public Task ClearARecordAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-a", new { host = Fqdn(host) }, ct);

    public Task AddAaaaRecordAsync(string host, IReadOnlyList<string> addresses, CancellationToken ct = default) =>
        PostAsync("add-aaaa", new { host = Fqdn(host), addresses }, ct);

    public Task ClearAaaaRecordAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-aaaa", new { host = Fqdn(host) }, ct);

    /// <summary>The A answer for names without their own record (the fixture starts it at 127.0.0.1).</summary>
    public Task SetDefaultIPv4Async(string ip, CancellationToken ct = default) =>
        PostAsync("set-default-ipv4", new { ip }, ct);

    /// <summary>The AAAA answer for names without their own record; "" answers none (the fixture's start value).</summary>
    public Task SetDefaultIPv6Async(string ip, CancellationToken ct = default) =>
        PostAsync("set-default-ipv6", new { ip }, ct);

    /// <summary>Adds CAA records, e.g. ("issue", "letsencrypt.org"), ("issuewild", ";").</summary>
    public Task AddCaaAsync(string host, IReadOnlyList<(string Tag, string Value)> policies, CancellationToken ct = default) =>
        PostAsync("add-caa", new { host = Fqdn(host), policies = policies.Select(p => new { tag = p.Tag, value = p.Value }) }, ct);

    public Task ClearCaaAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-caa", new { host = Fqdn(host) }, ct);

    /// <summary>Every query for <paramref name="host"/> is answered SERVFAIL (as a broken DNSSEC zone would be).</summary>
    public Task SetServfailAsync(string host, CancellationToken ct = default) =>
        PostAsync("set-servfail", new { host = Fqdn(host) }, ct);

    public Task ClearServfailAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-servfail", new { host = Fqdn(host) }, ct);

    public Task SetCnameAsync(string host, string target, CancellationToken ct = default) =>
        PostAsync("set-cname", new { host = Fqdn(host), target = Fqdn(target) }, ct);

    public Task ClearCnameAsync(string host, CancellationToken ct = default) =>
        PostAsync("clear-cname", new { host = Fqdn(host) }, ct);

    /// <summary>The HTTP-01 requests challtestsrv received for <paramref name="host"/>, as raw JSON objects.</summary>
    public async Task<IReadOnlyList<JsonElement>> HttpRequestHistoryAsync(string host, CancellationToken ct = default)
    {
        using var response = await _management.PostAsJsonAsync("http-request-history", new { host }, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var history = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
        return history.ValueKind == JsonValueKind.Array ? history.EnumerateArray().ToArray() : [];
    }

    public void Dispose() => _management.Dispose();

    internal async Task PostAsync(string path, object body, CancellationToken ct)
    {
        using var response = await _management.PostAsJsonAsync(path, body, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new InvalidOperationException($"challtestsrv /{path} answered {(int)response.StatusCode}: {text}");
        }
    }

    private static string Fqdn(string host) => host.EndsWith('.') ? host : host + ".";
}
