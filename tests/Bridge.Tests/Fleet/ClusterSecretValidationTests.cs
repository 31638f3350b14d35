using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Fleet;

namespace CertFleet.Bridge.Tests.Fleet;

public sealed class ClusterSecretValidationTests
{
    private const string Home = "home";

    // A throwaway self-signed CA, only parsed (never trusted for anything).
    private static readonly string CaData = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(ThrowawayCaPem()));

    private static string Kubeconfig(string user = "token: abc", string cluster = "", string currentContext = "member") => $"""
        apiVersion: v1
        kind: Config
        current-context: {currentContext}
        clusters:
        - name: member
          cluster:
            server: https://member.example:6443
            {(cluster.Length > 0 ? cluster : $"certificate-authority-data: {CaData}")}
        contexts:
        - name: member
          context: {"{"}cluster: member, user: member{"}"}
        - name: other
          context: {"{"}cluster: member, user: member{"}"}
        users:
        - name: member
          user:
            {user}
        """;

    private static ClusterSecret Secret(string? name = "eu-1", string? kubeconfig = null, string? context = null,
        Dictionary<string, string>? labels = null) =>
        new("cluster-eu-1", "uid-1", DateTimeOffset.UnixEpoch, labels ?? new Dictionary<string, string> { ["certfleet.io/cluster"] = "true" },
            name, kubeconfig ?? Kubeconfig(), context);

    private static string Refusal(ClusterSecret secret)
    {
        var (valid, error) = ClusterSecretValidation.Validate(secret, Home);
        Assert.Null(valid);
        return Assert.IsType<string>(error);
    }

    [Fact]
    public void A_valid_Secret_registers_its_cluster_with_the_Secret_labels_and_the_context_it_names()
    {
        var labels = new Dictionary<string, string> { ["certfleet.io/cluster"] = "true", ["region"] = "eu" };
        var (valid, error) = ClusterSecretValidation.Validate(Secret(labels: labels, context: "other"), Home);

        Assert.Null(error);
        Assert.NotNull(valid);
        Assert.Equal("eu-1", valid.Registration.Name);
        Assert.Equal(ClusterRegistration.SecretSource, valid.Registration.Source);
        Assert.Equal("eu", valid.Registration.Labels["region"]);
        Assert.Equal("https://member.example:6443", valid.Configuration.Host.TrimEnd('/'));
        Assert.Equal("abc", valid.Configuration.AccessToken);
        Assert.Equal("other", valid.Configuration.CurrentContext);
    }

    [Fact]
    public void The_fingerprint_changes_with_the_kubeconfig_the_context_and_the_labels_only()
    {
        string Fingerprint(ClusterSecret secret) => ClusterSecretValidation.Validate(secret, Home).Valid!.Fingerprint;
        var original = Fingerprint(Secret());

        Assert.Equal(original, Fingerprint(Secret() with { Uid = "uid-2", Created = DateTimeOffset.UtcNow }));
        Assert.NotEqual(original, Fingerprint(Secret(kubeconfig: Kubeconfig(user: "token: other"))));
        Assert.NotEqual(original, Fingerprint(Secret(context: "other")));
        Assert.NotEqual(original, Fingerprint(Secret(labels: new() { ["certfleet.io/cluster"] = "true", ["region"] = "us" })));
    }

    [Theory]
    [InlineData(null, "annotation certfleet.io/cluster-name is missing")]
    [InlineData("", "annotation certfleet.io/cluster-name is missing")]
    [InlineData("EU_1", "is not a valid cluster name")]
    [InlineData("eu/1", "is not a valid cluster name")]
    [InlineData("-eu", "is not a valid cluster name")]
    [InlineData("home", "is the home cluster's name")]
    public void A_bad_cluster_name_is_refused_with_the_fix(string? name, string expected) =>
        Assert.Contains(expected, Refusal(Secret(name: name)));

    [Fact]
    public void A_name_longer_than_a_DNS_label_is_refused() =>
        Assert.Contains("at most 63", Refusal(Secret(name: new string('a', 64))));

    [Fact]
    public void A_missing_or_unreadable_kubeconfig_is_refused_without_quoting_it()
    {
        Assert.Contains("key \"kubeconfig\" is missing or empty", Refusal(Secret(kubeconfig: " ")));
        var unreadable = Refusal(Secret(kubeconfig: "clusters: [ {name: secret-value-abc"));
        Assert.Contains("is not a readable kubeconfig", unreadable);
        Assert.DoesNotContain("secret-value-abc", unreadable);
    }

    [Fact]
    public void A_context_that_is_not_in_the_kubeconfig_is_refused_naming_those_that_are()
    {
        var error = Refusal(Secret(context: "elsewhere"));
        Assert.Contains("no context \"elsewhere\" (named by key \"context\")", error);
        Assert.Contains("\"member\", \"other\"", error);
        Assert.Contains("no context \"gone\" (its current-context)", Refusal(Secret(kubeconfig: Kubeconfig(currentContext: "gone"))));
        Assert.Contains("has no current-context", Refusal(Secret(kubeconfig: Kubeconfig(currentContext: "\"\""))));
    }

    [Theory]
    [InlineData("exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}", "exec or auth-provider plugin")]
    [InlineData("auth-provider: {name: gcp}", "exec or auth-provider plugin")]
    [InlineData("tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token", "reads its token from a file")]
    [InlineData("client-certificate: /etc/silo/tls.crt", "reads its client certificate or key from a file")]
    public void Credentials_that_run_commands_or_read_the_silos_files_are_refused(string user, string expected) =>
        Assert.Contains(expected, Refusal(Secret(kubeconfig: Kubeconfig(user: user))));

    [Fact]
    public void A_certificate_authority_file_is_refused() =>
        Assert.Contains("certificate-authority-data instead",
            Refusal(Secret(kubeconfig: Kubeconfig(cluster: "certificate-authority: /etc/ssl/certs/ca.crt"))));

    [Fact]
    public void The_Secret_never_prints_its_kubeconfig() =>
        Assert.DoesNotContain("token: abc", Secret().ToString());

    private static string ThrowawayCaPem()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=member-ca", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }
}
