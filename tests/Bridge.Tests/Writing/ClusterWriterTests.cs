using System.Text;
using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Writing;

public sealed class ClusterWriterTests : EmulatorTest
{
    private ClusterWriter Writer => new(Api.Clusters, new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
        Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance));

    private ClusterReader Reader => new(Api.Clusters);

    private static readonly DateTimeOffset NotAfter = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_status_write_replaces_the_status_so_that_fields_left_out_are_cleared()
    {
        await Api.CreateCertificateAsync("web");
        await Writer.WriteStatusAsync(ResourceKind.Certificate, Api.Key("web"), new CertificateStatus
        {
            Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "Ready", Message = "up to date" }],
            NotAfter = NotAfter,
            Revision = 1,
            Acme = new CertificateAcmeStatus { Ari = new AcmeRenewalInfo { LastError = "timeout" } },
        });
        var first = (await Api.GetAsync("certificates", "web"))!.Value.GetProperty("status");
        Assert.Equal("2027-01-01T00:00:00Z", first.GetProperty("notAfter").GetString());

        await Writer.WriteStatusAsync(ResourceKind.Certificate, Api.Key("web"), new CertificateStatus
        {
            Conditions = [new Condition { Type = "Issuing", Status = "True", Reason = "Renewing" }],
            Revision = 2,
            Acme = new CertificateAcmeStatus { Ari = new AcmeRenewalInfo() },
        });

        var status = (await Api.GetAsync("certificates", "web"))!.Value.GetProperty("status");
        Assert.False(status.TryGetProperty("notAfter", out _));
        Assert.Equal(2, status.GetProperty("revision").GetInt32());
        var condition = Assert.Single(status.GetProperty("conditions").EnumerateArray());
        Assert.Equal("Issuing", condition.GetProperty("type").GetString());
        Assert.False(condition.TryGetProperty("message", out _));
        Assert.False(status.GetProperty("acme").GetProperty("ari").TryGetProperty("lastError", out _));
    }

    [Fact]
    public async Task A_status_write_to_a_deleted_object_fails_as_not_found_so_its_grain_can_forget_it()
    {
        await Api.CreateCertificateAsync("gone");
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("cert-manager.io", "v1", Api.Namespace, "certificates", "gone");

        var failure = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer.WriteStatusAsync(ResourceKind.Certificate,
            Api.Key("gone"), new CertificateStatus { Revision = 1 }));
        Assert.True(failure.IsNotFound, failure.Message);
        Assert.StartsWith($"writing status of Certificate {Api.Namespace}/gone", failure.Message);
    }

    [Fact]
    public async Task Status_of_a_cluster_scoped_object_is_written_too()
    {
        await Api.Client.CustomObjects.CreateClusterCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "letsencrypt"},
             "spec": {"selfSigned": {}}}
            """).RootElement, "cert-manager.io", "v1", "clusterissuers");

        await Writer.WriteStatusAsync(ResourceKind.ClusterIssuer, Api.Key("letsencrypt") with { Namespace = "" },
            new IssuerStatus { Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "IsReady" }] });

        var status = (await Api.GetAsync("clusterissuers", "letsencrypt", ns: ""))!.Value.GetProperty("status");
        Assert.Equal("IsReady", status.GetProperty("conditions")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Creating_a_certificate_request_twice_returns_the_first_one()
    {
        var request = new CertificateRequest
        {
            Metadata = new ObjectMeta { Annotations = new() { ["cert-manager.io/certificate-revision"] = "1" } },
            Spec = new CertificateRequestSpec { Request = "csr-1"u8.ToArray(), IssuerRef = new IssuerRef { Name = "ca" }, Duration = "1h" },
        };

        var created = await Writer.CreateCertificateRequestAsync(Api.Key("web-1"), request);
        var again = await Writer.CreateCertificateRequestAsync(Api.Key("web-1"),
            request with { Spec = request.Spec with { Request = "csr-2"u8.ToArray(), Duration = "2h" } });

        Assert.Equal("web-1", created.Metadata.Name);
        Assert.Equal(Api.Namespace, created.Metadata.Namespace);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(created.Metadata.Uid, again.Metadata.Uid);
        Assert.Equal("1h", again.Spec.Duration);
        Assert.Equal("csr-1"u8.ToArray(), again.Spec.Request);
    }

    [Fact]
    public async Task Applying_a_secret_keeps_what_others_put_there_and_removes_only_the_named_keys()
    {
        await Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "web-tls", Labels = new Dictionary<string, string> { ["team"] = "payments" } },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = "old"u8.ToArray(), ["tls.key"] = "old"u8.ToArray(),
                ["keystore.p12"] = "p12"u8.ToArray(), ["user.txt"] = "mine"u8.ToArray(),
            },
        }, Api.Namespace);

        var resourceVersion = await Writer.ApplySecretAsync(new SecretData
        {
            Key = Api.Key("web-tls"),
            Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = "new-crt"u8.ToArray(), ["tls.key"] = "new-key"u8.ToArray() },
            Labels = new() { ["controller.cert-manager.io/fao"] = "true" },
            Annotations = new() { ["cert-manager.io/certificate-name"] = "web" },
        }, ["keystore.p12"]);

        var stored = await Api.Client.CoreV1.ReadNamespacedSecretAsync("web-tls", Api.Namespace);
        Assert.Equal(stored.Metadata.ResourceVersion, resourceVersion);
        Assert.Equal(["tls.crt", "tls.key", "user.txt"], stored.Data.Keys.Order());
        Assert.Equal("new-crt", Encoding.UTF8.GetString(stored.Data["tls.crt"]));
        Assert.Equal("mine", Encoding.UTF8.GetString(stored.Data["user.txt"]));
        Assert.Equal("payments", stored.Metadata.Labels["team"]);
        Assert.Equal("true", stored.Metadata.Labels["controller.cert-manager.io/fao"]);
        Assert.Equal("web", stored.Metadata.Annotations["cert-manager.io/certificate-name"]);
    }

    [Fact]
    public async Task Applying_a_missing_secret_creates_it_and_reading_it_back_returns_the_data()
    {
        var resourceVersion = await Writer.ApplySecretAsync(new SecretData
        {
            Key = Api.Key("fresh-tls"),
            Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = "crt"u8.ToArray(), ["tls.key"] = "key"u8.ToArray() },
            Labels = new() { ["controller.cert-manager.io/fao"] = "true" },
        }, ["ca.crt"]);

        var read = await Reader.GetSecretAsync(Api.Key("fresh-tls"));
        Assert.NotNull(read);
        Assert.Equal("kubernetes.io/tls", read.Type);
        Assert.Equal(resourceVersion, read.ResourceVersion);
        Assert.Equal("key", read.GetString("tls.key"));
        Assert.Equal("true", read.Labels["controller.cert-manager.io/fao"]);
        Assert.Null(await Reader.GetSecretAsync(Api.Key("absent")));
    }

    [Fact]
    public async Task A_secret_expected_to_be_new_is_created_in_one_request_and_patched_when_it_exists_after_all()
    {
        var writes = Api.Server.Stats.WritesByTarget;
        var created = await Writer.ApplySecretAsync(new SecretData
        {
            Key = Api.Key("new-tls"), Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = "crt"u8.ToArray(), ["tls.key"] = "key"u8.ToArray() },
        }, ["ca.crt"], likelyNew: true);

        Assert.Equal(1, Api.Server.Stats.WritesByTarget.GetValueOrDefault("create secrets") - writes.GetValueOrDefault("create secrets"));
        Assert.Equal(writes.GetValueOrDefault("patch secrets"), Api.Server.Stats.WritesByTarget.GetValueOrDefault("patch secrets"));
        Assert.Equal(created, (await Reader.GetSecretAsync(Api.Key("new-tls")))!.ResourceVersion);

        await Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "old-tls" },
            Data = new Dictionary<string, byte[]> { ["user.txt"] = "mine"u8.ToArray(), ["ca.crt"] = "old"u8.ToArray() },
        }, Api.Namespace);
        var patched = await Writer.ApplySecretAsync(new SecretData
        {
            Key = Api.Key("old-tls"), Data = new() { ["tls.crt"] = "crt"u8.ToArray() },
        }, ["ca.crt"], likelyNew: true);

        var stored = await Api.Client.CoreV1.ReadNamespacedSecretAsync("old-tls", Api.Namespace);
        Assert.Equal(stored.Metadata.ResourceVersion, patched);
        Assert.Equal(["tls.crt", "user.txt"], stored.Data.Keys.Order());
    }

    [Fact]
    public async Task Conflicts_and_server_errors_are_retried()
    {
        Api.Server.Faults.FailWrites(new WriteFault("", "secrets", 409) { Namespace = Api.Namespace, Verb = "patch" });
        Api.Server.Faults.FailWrites(new WriteFault("", "secrets", 500) { Namespace = Api.Namespace, Verb = "create" });
        Api.Server.Faults.FailWrites(new WriteFault("cert-manager.io", "certificates/status", 503) { Namespace = Api.Namespace });
        await Api.CreateCertificateAsync("web");

        await Writer.ApplySecretAsync(new SecretData { Key = Api.Key("web-tls"), Data = new() { ["a"] = [1] } }, []);
        await Writer.WriteStatusAsync(ResourceKind.Certificate, Api.Key("web"), new CertificateStatus { Revision = 7 });

        Assert.Equal(3, Api.Server.Stats.FaultsInjected);
        Assert.NotNull(await Reader.GetSecretAsync(Api.Key("web-tls")));
        var status = (await Api.GetAsync("certificates", "web"))!.Value.GetProperty("status");
        Assert.Equal(7, status.GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task A_write_that_keeps_failing_fails_with_a_message_fit_for_a_condition()
    {
        Api.Server.Faults.FailWrites(new WriteFault("", "secrets", 500, Count: 100) { Namespace = Api.Namespace });

        var failure = await Assert.ThrowsAsync<ClusterWriteException>(() =>
            Writer.ApplySecretAsync(new SecretData { Key = Api.Key("web-tls"), Data = new() { ["a"] = [1] } }, []));

        Assert.StartsWith($"writing Secret {Api.Namespace}/web-tls: the API server answered 500 (", failure.Message);
        Assert.Contains("injected fault", failure.Message);
        Assert.Equal(500, failure.StatusCode);
        Assert.Equal(3, Api.Server.Stats.FaultsInjected);
    }

    [Fact]
    public async Task Deleting_is_idempotent()
    {
        await Api.CreateCertificateAsync("web");

        await Writer.DeleteAsync(ResourceKind.Certificate, Api.Key("web"));
        await Writer.DeleteAsync(ResourceKind.Certificate, Api.Key("web"));
        await Writer.DeleteAsync(ResourceKind.Secret, Api.Key("never-existed"));

        Assert.Null(await Api.GetAsync("certificates", "web"));
    }

    [Fact]
    public async Task A_secret_created_from_a_generate_name_gets_its_own_name()
    {
        var name = await Writer.CreateSecretAsync("web-", new SecretData
        {
            Key = Api.Key("ignored"),
            Data = new() { ["tls.key"] = "key"u8.ToArray() },
            Labels = new() { ["cert-manager.io/next-private-key"] = "true" },
        });

        Assert.StartsWith("web-", name);
        Assert.True(name.Length > "web-".Length);
        var stored = await Api.Client.CoreV1.ReadNamespacedSecretAsync(name, Api.Namespace);
        Assert.Equal("true", stored.Metadata.Labels["cert-manager.io/next-private-key"]);
    }
}
