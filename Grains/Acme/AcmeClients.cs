using System.Collections.Concurrent;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Acme;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.Acme;

/// <summary>
/// ACME clients shared by the grains of one silo, one per ACME server and account key Secret. The account key is read
/// from its Secret here, held in memory only, and re-read after a while so a rotated Secret is noticed (a re-read the
/// API server does not answer keeps the key loaded before). Every client
/// reports its requests to <paramref name="requests"/> (cert-manager's ACME client metrics) when one is given.
/// </summary>
public sealed class AcmeClients(IClusterReader reader, TimeProvider clock, IOptions<IssuanceOptions>? options = null, IAcmeRequestObserver? requests = null) : IDisposable
{
    private static readonly TimeSpan KeyReloadAfter = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<(string Server, ObjectKey Secret), (AcmeClient Client, DateTimeOffset LoadedAt)> _clients = new();
    // Outlive the clients: one made again after a key reload keeps the account's new-order turns.
    private readonly ConcurrentDictionary<(string Server, ObjectKey Secret), AcmeNewOrderTurns> _newOrderTurns = new();

    /// <summary>The client for a registered account, or an exception naming the Secret when its key is missing or unreadable.</summary>
    public async Task<AcmeClient> ForAccountAsync(AcmeIssuer spec, ObjectKey accountKeySecret, string? accountUrl, CancellationToken ct = default)
    {
        var cacheKey = (spec.Server, accountKeySecret);
        if (_clients.TryGetValue(cacheKey, out var cached) && clock.GetUtcNow() - cached.LoadedAt < KeyReloadAfter)
        {
            if (accountUrl is not null) cached.Client.AccountUrl = accountUrl;
            return cached.Client;
        }
        SecretData? secret;
        try
        {
            secret = await reader.GetSecretAsync(accountKeySecret, ct);
        }
        catch (ClusterWriteException) when (cached.Client is not null)
        {
            // The API server is out of reach: the key read before is still the account's, and a rotated one is noticed
            // once it answers. An outage must not stop every order and challenge of the account.
            if (accountUrl is not null) cached.Client.AccountUrl = accountUrl;
            return cached.Client;
        }
        var pem = secret?.GetString(spec.PrivateKeySecretRef.Key ?? SecretKeys.TlsPrivateKey)
                  ?? throw new AcmeAccountKeyException($"spec.acme.privateKeySecretRef: Secret \"{accountKeySecret}\" has no account key");
        // After a restart every order and challenge of the account loads the key at once: the first to finish serves all.
        if (_clients.TryGetValue(cacheKey, out var loaded) && clock.GetUtcNow() - loaded.LoadedAt < KeyReloadAfter)
        {
            if (accountUrl is not null) loaded.Client.AccountUrl = accountUrl;
            return loaded.Client;
        }
        AcmeAccountKey key;
        try
        {
            key = AcmeAccountKey.FromPem(pem);
        }
        catch (Exception ex) when (ex is CertFleet.Providers.Pki.PkiException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // Replaced after registration: orders fail with this reason instead of stalling on an unexpected exception.
            throw new AcmeAccountKeyException($"spec.acme.privateKeySecretRef: Secret \"{accountKeySecret}\" holds no usable account key: {ex.Message}");
        }
        return Add(spec, accountKeySecret, key, accountUrl);
    }

    /// <summary>Registers a client for a key just generated or read by the account grain.</summary>
    public AcmeClient Add(AcmeIssuer spec, ObjectKey accountKeySecret, AcmeAccountKey key, string? accountUrl)
    {
        var client = new AcmeClient(new AcmeClientOptions
        {
            DirectoryUrl = new Uri(spec.Server),
            SkipTlsVerify = spec.SkipTlsVerify ?? false,
            CaBundlePem = spec.CaBundle is { Length: > 0 } bundle ? System.Text.Encoding.UTF8.GetString(bundle) : null,
            RenewalInfoMinRetryAfter = options?.Value.AriMinimumRecheck ?? TimeSpan.FromHours(1),
            NewOrderTurns = _newOrderTurns.GetOrAdd((spec.Server, accountKeySecret), _ => new AcmeNewOrderTurns(options?.Value.AcmeNewOrdersInFlight ?? AcmeNewOrderTurns.DefaultInFlight)),
            Observer = requests,
        }, key) { AccountUrl = accountUrl };
        // A client replaced here may be in the middle of a request for another grain: it is left to the garbage
        // collector, never disposed under that request.
        _clients[(spec.Server, accountKeySecret)] = (client, clock.GetUtcNow());
        return client;
    }

    public void Dispose()
    {
        foreach (var (client, _) in _clients.Values)
            client.Dispose();
    }
}

/// <summary>The account key Secret is missing or unreadable; the message names the field and the Secret.</summary>
public sealed class AcmeAccountKeyException(string message) : Exception(message);
