using k8s;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using k8s.Models;
using static CertFleet.Cli.Tests.TestCertificates;

namespace CertFleet.Cli.Tests;

[Collection(CliCollection.Name)]
public sealed class StatusCertificateTests(CliFixture fixture)
{
    private static readonly DateTimeOffset NotBefore = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

    /// <summary>A CA Issuer, a Ready Certificate with its Secret (a real certificate), its CertificateRequest and an Event.</summary>
    private async Task<(string Ns, Generated Leaf)> ReadyCertificateAsync()
    {
        var ns = await fixture.NamespaceAsync();
        await fixture.CreateAsync(Issuer.Group, Issuer.Plural, ns,
            new Issuer { Metadata = new ObjectMeta { Name = "ca", Namespace = ns }, Spec = new IssuerSpec { CA = new CaIssuer { SecretName = "root-tls" } } },
            new IssuerStatus { Conditions = [Condition("Ready", "True", "KeyPairVerified", "Signing CA verified")] });

        var leaf = Generate("web.example.com", isCA: false, NotBefore);
        var certificate = await fixture.CreateAsync(Certificate.Group, Certificate.Plural, ns, new Certificate
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new CertificateSpec
            {
                SecretName = "web-tls",
                DnsNames = ["web.example.com"],
                IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer", Group = "cert-manager.io" },
            },
        }, new CertificateStatus
        {
            Conditions = [Condition("Ready", "True", "Ready", "Certificate is up to date and has not expired")],
            NotBefore = leaf.NotBefore,
            NotAfter = leaf.NotAfter,
            RenewalTime = leaf.NotAfter.AddDays(-30),
            Revision = 1,
        });
        await fixture.Client.CoreV1.CreateNamespacedSecretAsync(leaf.ToSecret("web-tls", new Dictionary<string, string>
        {
            [Annotations.CertificateName] = "web",
            [Annotations.IssuerName] = "ca",
            [Annotations.IssuerKind] = "Issuer",
        }), ns);
        await fixture.CreateAsync(CertificateRequest.Group, CertificateRequest.Plural, ns, new CertificateRequest
        {
            Metadata = RequestMetadata(ns, "web", 1, certificate),
            Spec = new CertificateRequestSpec { Request = "csr"u8.ToArray(), IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer" } },
        }, new CertificateRequestStatus
        {
            Conditions =
            [
                new CertificateRequestCondition { Type = "Approved", Status = "True", Reason = "cert-manager.io", Message = "Certificate request has been approved by cert-manager.io" },
                new CertificateRequestCondition { Type = "Ready", Status = "True", Reason = "Issued", Message = "Certificate fetched from issuer successfully" },
            ],
        });
        await fixture.EventAsync(ns, "Certificate", Certificate.GroupVersion, "web", "Normal", "Issuing", "The certificate has been successfully issued");
        return (ns, leaf);
    }

    [Fact]
    public async Task ReadyCertificateShowsConditionsIssuerSecretRequestAndEvents()
    {
        var (ns, leaf) = await ReadyCertificateAsync();

        var (code, output, error) = await fixture.RunAsync("status", "certificate", "web", "-n", ns);

        Assert.True(code == 0, error);
        Assert.Contains("Name: web", output);
        Assert.Contains($"Namespace: {ns}", output);
        Assert.Contains("  Ready: True, Reason: Ready, Message: Certificate is up to date and has not expired", output);
        Assert.Contains("DNS Names:\n- web.example.com", output);
        Assert.Matches(@"Normal +Issuing +\d+s +cert-manager-certificates-issuing +The certificate has been successfully issued", output);
        Assert.Contains("Issuer:\n  Name: ca\n  Kind: Issuer", output);
        Assert.Contains("    Ready: True, Reason: KeyPairVerified, Message: Signing CA verified", output);
        Assert.Contains("Secret:\n  Name: web-tls\n  Subject: CN=web.example.com", output);
        Assert.Contains($"  Not After: {leaf.NotAfter.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", output);
        Assert.Contains($"  Serial Number: {leaf.SerialHex}", output);
        Assert.Contains($"Renewal Time: {leaf.NotAfter.AddDays(-30).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", output);
        Assert.Contains("CertificateRequest:\n  Name: web-1", output);
        Assert.Contains("    Ready: True, Reason: Issued, Message: Certificate fetched from issuer successfully", output);
        Assert.DoesNotContain("Order:", output);
        Assert.DoesNotContain("Rate limit", output);
    }

    [Fact]
    public async Task JsonOutputIsOneDocumentWithTheSameFacts()
    {
        var (ns, leaf) = await ReadyCertificateAsync();

        var (code, output, error) = await fixture.RunAsync("status", "certificate", "web", "-n", ns, "-o", "json");

        Assert.True(code == 0, error);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal("CertificateStatus", root.GetProperty("kind").GetString());
        Assert.Equal("web", root.GetProperty("name").GetString());
        Assert.Equal("Ready", root.GetProperty("conditions")[0].GetProperty("reason").GetString());
        Assert.Equal("web.example.com", root.GetProperty("dnsNames")[0].GetString());
        Assert.Equal(1, root.GetProperty("revision").GetInt32());
        Assert.True(root.GetProperty("issuer").GetProperty("found").GetBoolean());
        Assert.Equal("KeyPairVerified", root.GetProperty("issuer").GetProperty("conditions")[0].GetProperty("reason").GetString());
        var secret = root.GetProperty("secret");
        Assert.True(secret.GetProperty("found").GetBoolean());
        Assert.Equal(leaf.SerialHex, secret.GetProperty("certificate").GetProperty("serialNumber").GetString());
        Assert.Equal(leaf.NotAfter, secret.GetProperty("certificate").GetProperty("notAfter").GetDateTimeOffset());
        Assert.Equal("web-1", root.GetProperty("certificateRequest").GetProperty("name").GetString());
        Assert.Equal("Issuing", root.GetProperty("events")[0].GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("order").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("rateLimit").ValueKind);
        Assert.Equal(0, root.GetProperty("challenges").GetArrayLength());
    }

    [Fact]
    public async Task CertificateWaitingOnAFailingChallengeShowsTheOrderAndChallenge()
    {
        var ns = await fixture.NamespaceAsync();
        await fixture.CreateAsync(Issuer.Group, Issuer.Plural, ns, new Issuer
        {
            Metadata = new ObjectMeta { Name = "le", Namespace = ns },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = "https://acme.example/dir",
                    PrivateKeySecretRef = new SecretKeySelector { Name = "le-account" },
                    Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } }],
                },
            },
        }, new IssuerStatus { Conditions = [Condition("Ready", "True", "ACMEAccountRegistered", "The ACME account was registered with the ACME server")] });
        var certificate = await fixture.CreateAsync(Certificate.Group, Certificate.Plural, ns, new Certificate
        {
            Metadata = new ObjectMeta { Name = "shop", Namespace = ns },
            Spec = new CertificateSpec { SecretName = "shop-tls", DnsNames = ["shop.example.com"], IssuerRef = new IssuerRef { Name = "le", Kind = "Issuer" } },
        }, new CertificateStatus
        {
            Conditions =
            [
                Condition("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
                Condition("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist"),
            ],
        });
        var request = await fixture.CreateAsync(CertificateRequest.Group, CertificateRequest.Plural, ns, new CertificateRequest
        {
            Metadata = RequestMetadata(ns, "shop", 1, certificate),
            Spec = new CertificateRequestSpec { Request = "csr"u8.ToArray(), IssuerRef = new IssuerRef { Name = "le", Kind = "Issuer" } },
        }, new CertificateRequestStatus
        {
            Conditions = [new CertificateRequestCondition { Type = "Ready", Status = "False", Reason = "Pending", Message = $"Waiting on certificate issuance from order {ns}/shop-1-1234: \"pending\"" }],
        });
        var order = await fixture.CreateAsync(Order.Group, Order.Plural, ns, new Order
        {
            Metadata = new ObjectMeta { Name = "shop-1-1234", Namespace = ns, OwnerReferences = [OwnedBy(request)] },
            Spec = new OrderSpec { Request = "csr"u8.ToArray(), IssuerRef = new IssuerRef { Name = "le", Kind = "Issuer" }, DnsNames = ["shop.example.com"] },
        }, new OrderStatus
        {
            Url = "https://acme.example/order/17",
            State = "pending",
            Authorizations =
            [
                new AcmeAuthorization
                {
                    Url = "https://acme.example/authz/5", Identifier = "shop.example.com", Wildcard = false, InitialState = "pending",
                    Challenges = [new AcmeChallenge { Url = "https://acme.example/chall/9", Token = "tok-9", Type = "http-01" }],
                },
            ],
        });
        const string reason = "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'";
        await fixture.CreateAsync(Challenge.Group, Challenge.Plural, ns, new Challenge
        {
            Metadata = new ObjectMeta { Name = "shop-1-1234-5678", Namespace = ns, OwnerReferences = [OwnedBy(order)] },
            Spec = new ChallengeSpec
            {
                Url = "https://acme.example/chall/9", AuthorizationUrl = "https://acme.example/authz/5", DnsName = "shop.example.com",
                Type = "HTTP-01", Token = "tok-9", Key = "tok-9.thumb",
                Solver = new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } },
                IssuerRef = new IssuerRef { Name = "le", Kind = "Issuer" },
            },
        }, new ChallengeStatus { Processing = true, Presented = true, State = "pending", Reason = reason });
        await fixture.EventAsync(ns, "Challenge", Challenge.GroupVersion, "shop-1-1234-5678", "Normal", "Presented", "Presented challenge using HTTP-01 challenge mechanism");

        var (code, output, error) = await fixture.RunAsync("status", "certificate", "shop", "-n", ns);

        Assert.True(code == 0, error);
        Assert.Contains("  Issuing: True, Reason: DoesNotExist", output);
        Assert.Contains("Secret:\n  Name: shop-tls\n  Not found", output);
        Assert.Contains("Ready: False, Reason: Pending, Message: Waiting on certificate issuance from order", output);
        Assert.Contains("Order:\n  Name: shop-1-1234\n  State: pending", output);
        Assert.Contains("  URL: https://acme.example/order/17", output);
        Assert.Contains("    URL: https://acme.example/authz/5, Identifier: shop.example.com, Initial State: pending, Wildcard: false", output);
        Assert.Contains("      Challenge: http-01, Token: tok-9", output);
        Assert.Contains("- Name: shop-1-1234-5678, Type: HTTP-01, Token: tok-9, Key: tok-9.thumb", output);
        Assert.Contains($"  State: pending, Reason: {reason}, Processing: true, Presented: true", output);
        Assert.Matches(@"Normal +Presented +\d+s .*Presented challenge using HTTP-01 challenge mechanism", output);

        var (_, json, _) = await fixture.RunAsync("status", "certificate", "shop", "-n", ns, "-o", "json");
        var challenge = JsonNode.Parse(json)!["challenges"]![0]!;
        Assert.Equal(reason, challenge["reason"]!.GetValue<string>());
        Assert.True(challenge["processing"]!.GetValue<bool>());
        Assert.Equal("pending", JsonNode.Parse(json)!["order"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task RateLimitedConditionIsShownVerbatim()
    {
        var ns = await fixture.NamespaceAsync();
        const string message = "Waiting for the duplicate-certificate budget of acme.example for [a.example.com]; it reopens at 2026-11-28T05:00:00Z";
        await fixture.CreateAsync(Certificate.Group, Certificate.Plural, ns, new Certificate
        {
            Metadata = new ObjectMeta { Name = "busy", Namespace = ns },
            Spec = new CertificateSpec { SecretName = "busy-tls", DnsNames = ["a.example.com"], IssuerRef = new IssuerRef { Name = "le", Kind = "ClusterIssuer" } },
        }, new CertificateStatus { Conditions = [Condition("Issuing", "True", "RateLimited", message)] });

        var (code, output, error) = await fixture.RunAsync("status", "certificate", "busy", "-n", ns);

        Assert.True(code == 0, error);
        Assert.Contains($"Rate limit: waiting for a budget (Issuing): {message}", output);
        Assert.Contains("Not found: no ClusterIssuer named \"le\"\n", output);
        Assert.Contains("No CertificateRequest found for this Certificate", output);
        var (_, json, _) = await fixture.RunAsync("status", "certificate", "busy", "-n", ns, "-o", "json");
        Assert.Equal(message, JsonNode.Parse(json)!["rateLimit"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task ClusterWithoutTheAcmeDefinitionsShowsNoOrder()
    {
        await using var server = await KubeEmulator.KubeEmulatorServer.StartAsync();
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
        await CliFixture.InstallDefinitionsAsync(client, file => !file.Contains("acme", StringComparison.Ordinal));
        var certificate = await client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonSerializer.SerializeToElement(new Certificate
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new CertificateSpec { SecretName = "web-tls", DnsNames = ["web.example.com"], IssuerRef = new IssuerRef { Name = "ca" } },
        }, ApiJson.Options), Certificate.Group, "v1", "default", Certificate.Plural);
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonSerializer.SerializeToElement(new CertificateRequest
        {
            Metadata = RequestMetadata("default", "web", 1, JsonNode.Parse(((JsonElement)certificate).GetRawText())!.AsObject()),
            Spec = new CertificateRequestSpec { Request = "csr"u8.ToArray(), IssuerRef = new IssuerRef { Name = "ca" } },
        }, ApiJson.Options), CertificateRequest.Group, "v1", "default", CertificateRequest.Plural);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Kubernetes.Bridge.Cli.CertFleetCli.RunAsync(["status", "certificate", "web", "--kubeconfig", server.KubeconfigPath], output, error);

        Assert.True(code == 0, error.ToString());
        Assert.Contains("CertificateRequest:\n  Name: web-1", output.ToString());
        Assert.DoesNotContain("Order:", output.ToString());
    }

    [Fact]
    public async Task MissingCertificateIsAClearErrorAndExitCodeOne()
    {
        var ns = await fixture.NamespaceAsync();

        var (code, output, error) = await fixture.RunAsync("status", "certificate", "nope", "-n", ns);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: Certificate \"nope\" not found in namespace \"{ns}\"", error.Trim());
    }

    [Fact]
    public async Task UnreachableApiServerIsAClearErrorWithoutAStackTrace()
    {
        var kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [{name: gone, cluster: {server: "http://127.0.0.1:9"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: gone, context: {cluster: gone, user: u, namespace: team}}]
            current-context: gone
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Kubernetes.Bridge.Cli.CertFleetCli.RunAsync(["status", "certificate", "web", "--kubeconfig", kubeconfig], output, error);

        Assert.Equal(1, code);
        Assert.StartsWith("error: reading Certificate team/web: the API server at http://127.0.0.1:9", error.ToString());
        Assert.DoesNotContain("   at ", error.ToString());
    }

    [Fact]
    public async Task KubeconfigFromTheEnvironmentAndTheNamespaceOfTheChosenContextAreUsed()
    {
        var (ns, _) = await ReadyCertificateAsync();
        var config = await KubernetesClientConfiguration.LoadKubeConfigAsync(fixture.Server.KubeconfigPath);
        var current = config.Contexts.Single(c => c.Name == config.CurrentContext);
        config.Contexts = [.. config.Contexts, new k8s.KubeConfigModels.Context
        {
            Name = "team",
            ContextDetails = new k8s.KubeConfigModels.ContextDetails { Cluster = current.ContextDetails.Cluster, User = current.ContextDetails.User, Namespace = ns },
        }];
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, KubernetesYaml.Serialize(config));
        var previous = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", path);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            // no --kubeconfig and no -n: KUBECONFIG names the file, --context picks the namespace
            var code = await Kubernetes.Bridge.Cli.CertFleetCli.RunAsync(["status", "certificate", "web", "--context", "team"], output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains($"Namespace: {ns}", output.ToString());

            code = await Kubernetes.Bridge.Cli.CertFleetCli.RunAsync(["status", "certificate", "web"], output, error);
            Assert.Equal(1, code); // the current context has no namespace: "default", where there is no such Certificate
            Assert.Contains("error: Certificate \"web\" not found in namespace \"default\"", error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", previous);
            File.Delete(path);
        }
    }

    [Fact]
    public async Task UnknownContextAndBadUsageAreReported()
    {
        var (code, _, error) = await fixture.RunAsync("status", "certificate", "web", "--context", "nowhere");
        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot load the kubeconfig:", error);
        Assert.Contains("nowhere", error);

        (code, _, error) = await fixture.RunAsync("status", "issuer", "x");
        Assert.Equal(2, code);
        Assert.StartsWith("error: status takes: certificate NAME", error);

        (code, _, error) = await fixture.RunAsync("status", "certificate", "web", "-o", "yaml");
        Assert.Equal(2, code);
        Assert.StartsWith("error: unknown output format \"yaml\"", error);
    }

    private static Condition Condition(string type, string status, string reason, string message) => new()
    {
        Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = NotBefore,
    };

    private static ObjectMeta RequestMetadata(string ns, string certificate, int revision, JsonObject owner) => new()
    {
        Name = $"{certificate}-{revision}",
        Namespace = ns,
        Annotations = new Dictionary<string, string>
        {
            [Annotations.CertificateName] = certificate,
            [Annotations.CertificateRevision] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        OwnerReferences = [OwnedBy(owner)],
    };

    private static OwnerReference OwnedBy(JsonObject owner) => new()
    {
        ApiVersion = owner["apiVersion"]!.GetValue<string>(),
        Kind = owner["kind"]!.GetValue<string>(),
        Name = owner["metadata"]!["name"]!.GetValue<string>(),
        Uid = owner["metadata"]!["uid"]!.GetValue<string>(),
        Controller = true,
    };
}
