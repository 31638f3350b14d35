using CertFleet.Grains.Acme;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Acme;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Grains.Tests;

/// <summary>The silo's ACME clients: an account key is re-read from its Secret after a while, but an outage of the API server keeps the key.</summary>
public sealed class AcmeClientsTests
{
    private static readonly AcmeIssuer Spec = new()
    {
        Server = "https://acme.example.test/directory",
        PrivateKeySecretRef = new SecretKeySelector { Name = "account" },
    };

    [Fact]
    public async Task AKeyReloadTheApiServerDoesNotAnswerKeepsTheKeyLoadedBefore_AndWithoutOneTheOutageIsTheCallersToRetry()
    {
        var secret = new ObjectKey("c", "ns", "account");
        var reader = new ApiServer(new SecretData
        {
            Key = secret,
            Data = new() { [SecretKeys.TlsPrivateKey] = System.Text.Encoding.UTF8.GetBytes(AcmeAccountKey.Generate().ToPem()) },
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var clients = new AcmeClients(reader, clock);

        var loaded = await clients.ForAccountAsync(Spec, secret, "https://acme.example.test/acct/1");
        clock.Advance(TimeSpan.FromMinutes(11)); // past the reload
        reader.Down = true;
        var duringOutage = await clients.ForAccountAsync(Spec, secret, "https://acme.example.test/acct/1");
        var reads = reader.Reads;
        var neverLoaded = await Record.ExceptionAsync(() => clients.ForAccountAsync(Spec, secret with { Name = "other" }, null));

        Assert.Same(loaded, duringOutage);
        Assert.Equal(2, reads); // the reload was asked for, and failed
        Assert.IsType<ClusterWriteException>(neverLoaded);
    }

    private sealed class ApiServer(SecretData secret) : IClusterReader
    {
        public bool Down { get; set; }

        public int Reads { get; private set; }

        public Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default)
        {
            Reads++;
            if (Down)
                throw new ClusterWriteException($"reading Secret {key}: the API server did not answer (test)");
            return Task.FromResult(key == secret.Key ? secret : null);
        }

        public Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(ObjectKey serviceAccount, IReadOnlyList<string> audiences,
            TimeSpan lifetime, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
