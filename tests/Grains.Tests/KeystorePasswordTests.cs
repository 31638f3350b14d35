using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Keystore passwords, inline (spec.keystores.*.password) or from a Secret, protect the keystores and go nowhere else:
/// grain state (what Redis stores) holds only a salted fingerprint, which still tells a changed password.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KeystorePasswordTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    /// <summary>As kubectl apply makes it: the manifest, inline password included, repeated in an annotation.</summary>
    private static Certificate WithKeystores(Certificate certificate, string pkcs12Password, string jksSecret) => certificate with
    {
        Metadata = certificate.Metadata with
        {
            Annotations = new() { ["kubectl.kubernetes.io/last-applied-configuration"] = $"{{\"spec\":{{\"keystores\":{{\"pkcs12\":{{\"password\":\"{pkcs12Password}\"}}}}}}}}" },
        },
        Spec = certificate.Spec with
        {
            Keystores = new CertificateKeystores
            {
                Pkcs12 = new Pkcs12Keystore { Create = true, Profile = Pkcs12Profiles.Modern2023, Password = pkcs12Password },
                Jks = new JksKeystore { Create = true, PasswordSecretRef = new SecretKeySelector { Name = jksSecret, Key = "password" } },
            },
        },
    };

    private static string Random() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    private bool Pkcs12OpensWith(string ns, string password)
    {
        try
        {
            var collection = X509CertificateLoader.LoadPkcs12Collection(Cluster.Secrets[Key(ns, "store-tls")].Data[SecretKeys.Pkcs12Keystore], password);
            return collection.Any(c => c.HasPrivateKey);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Passwords_NeverReachGrainState_AndAChangedPasswordRewritesTheKeystoresWithoutANewCertificate()
    {
        var ns = NewNamespace();
        await fixture.Grains.GetGrain<IIssuerGrain>(new Interfaces.ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey())
            .SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        var (inline, referenced) = (Random(), Random());
        Cluster.PutSecret(Key(ns, "jks-password"), new() { ["password"] = referenced });
        var grain = fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, "store").ToGrainKey());
        await grain.SyncAsync(WithKeystores(Certificate(ns, "store"), inline, "jks-password"));

        await Eventually(() => Task.FromResult(Cluster.Secrets.TryGetValue(Key(ns, "store-tls"), out var s) && s.Data.ContainsKey(SecretKeys.JksKeystore)),
            written => written, "the keystores");
        Assert.True(Pkcs12OpensWith(ns, inline));
        var jks = Cluster.Secrets[Key(ns, "store-tls")].Data[SecretKeys.JksKeystore];
        var state = await grain.GetStateAsync();
        var stored = JsonSerializer.Serialize(state);
        Assert.DoesNotContain(inline, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(referenced, stored, StringComparison.Ordinal);
        Assert.Equal(KeystorePasswords.Withheld, state.Object!.Spec.Keystores!.Pkcs12!.Password);
        Assert.StartsWith("pbkdf2-sha256:20000:", state.KeystoresWrittenWith, StringComparison.Ordinal);

        // A new inline password (a new generation of the spec): the keystores are written again, the certificate kept.
        var changed = Random();
        await grain.SyncAsync(WithKeystores(Certificate(ns, "store", generation: 2), changed, "jks-password"));
        await Eventually(() => Task.FromResult(Pkcs12OpensWith(ns, changed)), opens => opens, "the PKCS#12 keystore under the new password");
        Assert.Equal(1, StatusOf(Cluster, ns, "store")!.Revision);
        Assert.DoesNotContain(changed, JsonSerializer.Serialize(await grain.GetStateAsync()), StringComparison.Ordinal);

        // A new password in the referenced Secret is used at the next reconcile.
        Cluster.PutSecret(Key(ns, "jks-password"), new() { ["password"] = Random() });
        await grain.ReconcileAsync();
        await Eventually(() => Task.FromResult(Cluster.Secrets[Key(ns, "store-tls")].Data[SecretKeys.JksKeystore]), bytes => !bytes.SequenceEqual(jks),
            "the JKS keystore under the new password");
        Assert.Equal(1, StatusOf(Cluster, ns, "store")!.Revision);
        Assert.Contains(Cluster.Events, e => e.Object.Namespace == ns && e.Reason == "KeystoresUpdated");

        // An unchanged password writes nothing.
        var version = Cluster.Secrets[Key(ns, "store-tls")].ResourceVersion;
        await grain.ReconcileAsync();
        Assert.Equal(version, Cluster.Secrets[Key(ns, "store-tls")].ResourceVersion);
    }
}
