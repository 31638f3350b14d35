using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Grains.Tests;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;

namespace CertFleet.Durability.Tests;

/// <summary>
/// An inline keystore password as the Redis storage sees it: never stored, so a silo started on that state cannot
/// know it until the watch delivers the Certificate again, and must leave the keystores alone meanwhile.
/// </summary>
public sealed class KeystoreStateTests
{
    private static readonly ObjectKey CertificateKey = new("c", "apps", "store");
    private static readonly ObjectKey SecretKey = CertificateKey.WithName("store-tls");

    private static Certificate Store(string password, long generation) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = CertificateKey.Name, Namespace = CertificateKey.Namespace, Uid = "uid-store", Generation = generation,
            // As kubectl apply writes it: the manifest again, password included.
            Annotations = new() { ["kubectl.kubernetes.io/last-applied-configuration"] = $"{{\"password\":\"{password}\"}}" },
        },
        Spec = new CertificateSpec
        {
            SecretName = SecretKey.Name,
            DnsNames = ["store.example"],
            IssuerRef = new IssuerRef { Name = "selfsigned", Kind = "ClusterIssuer", Group = "cert-manager.io" },
            Keystores = new CertificateKeystores
            {
                Pkcs12 = new Pkcs12Keystore { Create = true, Profile = Pkcs12Profiles.Modern2023, Password = password },
            },
        },
    };

    private static bool OpensWith(FakeCluster cluster, string password)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12Collection(cluster.Secrets[SecretKey].Data[SecretKeys.Pkcs12Keystore], password).Any(c => c.HasPrivateKey);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    [Fact]
    public async Task AnInlinePassword_IsNotStored_AndASiloStartedOnTheStateKeepsTheKeystoreUntilItSeesTheLiveObject()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = TestSilo.RedisSettings(redis, "keystores");
        var cluster = new FakeCluster();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await using (var silo = await TestSilo.StartAsync(settings, cluster))
        {
            await silo.Grains.GetGrain<IIssuerGrain>(new ObjectKey("c", "", "selfsigned").ToGrainKey()).SyncAsync(new IssuerObject
            {
                Kind = "ClusterIssuer",
                Metadata = new ObjectMeta { Name = "selfsigned", Uid = "uid-selfsigned", Generation = 1 },
                Spec = new IssuerSpec { SelfSigned = new SelfSignedIssuer() },
            });
            await silo.Grains.GetGrain<ICertificateGrain>(CertificateKey.ToGrainKey()).SyncAsync(Store(password, 1));
            await Poll.UntilAsync(() => Task.FromResult(cluster.Secrets.TryGetValue(SecretKey, out var secret) && secret.Data.ContainsKey(SecretKeys.Pkcs12Keystore)),
                "the keystore", TimeSpan.FromSeconds(30));
        }
        Assert.True(OpensWith(cluster, password));
        var stored = string.Join('\n', await RedisKeys.DumpAsync(redis));
        Assert.Contains("\"KeystoresWrittenWith\":\"pbkdf2-sha256:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
        var version = cluster.Secrets[SecretKey].ResourceVersion;

        await using (var silo = await TestSilo.StartAsync(settings, cluster))
        {
            var grain = silo.Grains.GetGrain<ICertificateGrain>(CertificateKey.ToGrainKey());
            // Activated from Redis, without the password: the keystore it cannot check stays as it is.
            await grain.ReconcileAsync();
            Assert.Equal(version, cluster.Secrets[SecretKey].ResourceVersion);
            Assert.True(OpensWith(cluster, password));

            // The watch delivers the object again: its password matches the fingerprint, nothing is written.
            await grain.SyncAsync(Store(password, 1));
            await grain.ReconcileAsync();
            Assert.Equal(version, cluster.Secrets[SecretKey].ResourceVersion);

            // A new password is written into the keystore, and still not into Redis.
            var changed = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            await grain.SyncAsync(Store(changed, 2));
            await Poll.UntilAsync(() => Task.FromResult(OpensWith(cluster, changed)), "the keystore under the new password", TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(changed, string.Join('\n', await RedisKeys.DumpAsync(redis)), StringComparison.Ordinal);
        }
    }
}
