using System.Collections.Concurrent;
using CertFleet.Grains;
using CertFleet.Grains.Acme;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Dns01;
using Microsoft.Extensions.Options;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// How an issuer's solver fields become a provider: which namespace its Secrets and ServiceAccounts come from
/// (an Issuer's own, a ClusterIssuer's cluster-resource namespace), and that every bad reference is a
/// <see cref="Dns01ProviderException"/> naming the field, never a crash.
/// </summary>
public sealed class Dns01ProvidersTests : IAsyncLifetime
{
    private const string Cluster = "local";
    private const string ClusterResourceNamespace = "cert-manager";
    private const string Value = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

    private readonly FakeReader _reader = new();
    private Route53FakeServer _route53 = null!;
    private StsFakeServer _sts = null!;
    private Dns01Providers _providers = null!;

    public async Task InitializeAsync()
    {
        _route53 = await Route53FakeServer.StartAsync();
        _route53.AddZone("ZPUBLIC", "example.com.");
        _route53.ExpectStsSession();
        _sts = await StsFakeServer.StartAsync();
        _providers = Providers(new AzureAmbientIdentity(null, null, null));
    }

    public async Task DisposeAsync()
    {
        _providers.Dispose();
        await _sts.DisposeAsync();
        await _route53.DisposeAsync();
    }

    private Dns01Providers Providers(AzureAmbientIdentity ambient, bool issuerAmbient = false, bool clusterIssuerAmbient = true) => new(_reader, Options.Create(new IssuanceOptions
    {
        ClusterResourceNamespace = ClusterResourceNamespace,
        Route53Endpoint = _route53.Endpoint.AbsoluteUri,
        StsEndpoint = _sts.Endpoint.AbsoluteUri,
        IssuerAmbientCredentials = issuerAmbient,
        ClusterIssuerAmbientCredentials = clusterIssuerAmbient,
    }), ambient);

    private static AcmeIssuerContext Issuer(string? ns) => new()
    {
        Issuer = new ObjectKey(Cluster, ns ?? "", "letsencrypt"),
        IssuerKind = ns is null ? "ClusterIssuer" : "Issuer",
        Spec = new AcmeIssuer { Server = "https://acme.invalid/directory" },
        AccountUrl = "https://acme.invalid/acct/1",
        AccountKeySecret = new ObjectKey(Cluster, ns ?? ClusterResourceNamespace, "letsencrypt-account"),
    };

    private static AcmeDns01Solver Route53ServiceAccount(string? role = StsFakeServer.RoleArn, List<string>? audiences = null) => new()
    {
        Route53 = new AcmeDns01Route53
        {
            Role = role,
            Auth = new AcmeDns01Route53Auth
            {
                Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = "route53", Audiences = audiences } },
            },
        },
    };

    private static string StsToken(string ns) => TestJwt.For(["sts.amazonaws.com"], $"system:serviceaccount:{ns}:route53");

    [Theory]
    [InlineData("team-a", "team-a")]
    [InlineData(null, ClusterResourceNamespace)]
    public async Task ServiceAccountTokenComesFromTheIssuersNamespaceAndAssumesTheRole(string? issuerNamespace, string accountNamespace)
    {
        _reader.ServiceAccounts.Add(new ObjectKey(Cluster, accountNamespace, "route53"));
        _sts.ExpectedWebIdentityToken = StsToken(accountNamespace);

        var provider = await _providers.CreateAsync(Issuer(issuerNamespace), Route53ServiceAccount());
        await provider.PresentAsync("_acme-challenge.example.com.", Value);

        var request = Assert.Single(_reader.TokenRequests);
        Assert.Equal(new ObjectKey(Cluster, accountNamespace, "route53"), request.Account);
        Assert.Equal(["sts.amazonaws.com"], request.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(10), request.Lifetime);
        Assert.Equal(1, _sts.AssumeRoleWithWebIdentityCalls);
        Assert.Empty(_sts.Problems);
        Assert.Empty(_route53.Problems);
        Assert.Single(_route53.RecordSets);
        Assert.Empty(_reader.SecretReads);
    }

    [Fact]
    public async Task NamedAudiencesReplaceTheDefault()
    {
        _reader.ServiceAccounts.Add(new ObjectKey(Cluster, "team-a", "route53"));

        await _providers.CreateAsync(Issuer("team-a"), Route53ServiceAccount(audiences: ["sts.amazonaws.com", "certfleet"]));

        Assert.Equal(["sts.amazonaws.com", "certfleet"], Assert.Single(_reader.TokenRequests).Audiences);
    }

    [Theory]
    [InlineData("team-b", "team-b/route53")]
    [InlineData(null, "cert-manager/route53")]
    public async Task AServiceAccountOfAnotherNamespaceIsNotFound(string? issuerNamespace, string looked)
    {
        // Only team-a has it: neither another namespace's Issuer nor a ClusterIssuer may use it.
        _reader.ServiceAccounts.Add(new ObjectKey(Cluster, "team-a", "route53"));

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer(issuerNamespace), Route53ServiceAccount()));

        Assert.Contains("spec.acme.solvers[].dns01.route53.auth.kubernetes.serviceAccountRef.name", error.Message);
        Assert.Contains($"ServiceAccount \"{looked}\" not found", error.Message);
        Assert.DoesNotContain(_reader.TokenRequests, r => r.Account.Namespace == "team-a");
    }

    [Fact]
    public async Task ServiceAccountWithoutARoleNamesTheRoleField()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), Route53ServiceAccount(role: null)));

        Assert.Contains("spec.acme.solvers[].dns01.route53.role: Required value", error.Message);
        Assert.Empty(_reader.TokenRequests);
    }

    [Fact]
    public async Task ServiceAccountTogetherWithAccessKeysIsRejected()
    {
        var solver = Route53ServiceAccount();
        solver = solver with
        {
            Route53 = solver.Route53! with { AccessKeyId = "AKIDEXAMPLE", SecretAccessKeySecretRef = new SecretKeySelector { Name = "aws" } },
        };

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), solver));

        Assert.Contains("route53.auth.kubernetes.serviceAccountRef: Forbidden", error.Message);
        Assert.Empty(_reader.SecretReads);
        Assert.Empty(_reader.TokenRequests);
    }

    [Fact]
    public async Task TokenRequestFailureIsAProviderErrorNamingTheField()
    {
        _reader.TokenFailure = new ClusterWriteException("requesting a token of ServiceAccount local/team-a/route53: Forbidden: cannot create resource \"serviceaccounts/token\"") { StatusCode = 403 };

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), Route53ServiceAccount()));

        Assert.Contains("route53.auth.kubernetes.serviceAccountRef", error.Message);
        Assert.Contains("serviceaccounts/token", error.Message);
    }

    [Theory]
    [InlineData("team-a", "team-a")]
    [InlineData(null, ClusterResourceNamespace)]
    public async Task AzureClientSecretIsReadFromTheIssuersNamespaceOnly(string? issuerNamespace, string secretNamespace)
    {
        var solver = new AcmeDns01Solver
        {
            AzureDns = new AcmeDns01AzureDns
            {
                SubscriptionId = AzureArmFakeServer.Subscription,
                ResourceGroupName = AzureArmFakeServer.ResourceGroup,
                HostedZoneName = "example.com",
                ClientId = AzureIdentityFakeServer.ClientId,
                TenantId = AzureIdentityFakeServer.TenantId,
                ClientSecretSecretRef = new SecretKeySelector { Name = "azure-dns", Key = "client-secret" },
            },
        };

        var missing = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer(issuerNamespace), solver));
        _reader.Secrets[new ObjectKey(Cluster, secretNamespace, "azure-dns")] = "s3cret";
        await _providers.CreateAsync(Issuer(issuerNamespace), solver);

        Assert.Contains($"azureDNS.clientSecretSecretRef: Secret \"{secretNamespace}/azure-dns\" not found", missing.Message);
        Assert.All(_reader.SecretReads, read => Assert.Equal(secretNamespace, read.Namespace));
    }

    [Fact]
    public async Task AzureWorkloadAndManagedIdentityReadNoSecret()
    {
        var tokenFile = Path.GetTempFileName();
        try
        {
            using var workload = Providers(new AzureAmbientIdentity(tokenFile, AzureIdentityFakeServer.ClientId, AzureIdentityFakeServer.TenantId), issuerAmbient: true);
            var solver = new AcmeDns01Solver
            {
                AzureDns = new AcmeDns01AzureDns
                {
                    SubscriptionId = AzureArmFakeServer.Subscription,
                    ResourceGroupName = AzureArmFakeServer.ResourceGroup,
                    HostedZoneName = "example.com",
                    ManagedIdentity = new AzureManagedIdentity { ClientId = AzureIdentityFakeServer.ClientId },
                },
            };

            Assert.IsType<AzureDnsProvider>(await workload.CreateAsync(Issuer("team-a"), solver));
            Assert.IsType<AzureDnsProvider>(await _providers.CreateAsync(Issuer(null), solver));

            Assert.Empty(_reader.SecretReads);
            Assert.Empty(_reader.TokenRequests);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task AzureGermanCloudIsRejectedNamingTheField()
    {
        var solver = new AcmeDns01Solver
        {
            AzureDns = new AcmeDns01AzureDns
            {
                SubscriptionId = AzureArmFakeServer.Subscription, ResourceGroupName = AzureArmFakeServer.ResourceGroup, HostedZoneName = "example.com",
                Environment = "AzureGermanCloud",
            },
        };

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), solver));

        Assert.Contains("azureDNS.environment: Unsupported value: \"AzureGermanCloud\"", error.Message);
    }

    [Fact]
    public async Task Route53KeysOfAClusterIssuerComeFromTheClusterResourceNamespace()
    {
        _reader.Secrets[new ObjectKey(Cluster, "team-a", "aws")] = "not-for-cluster-issuers";
        var solver = new AcmeDns01Solver
        {
            Route53 = new AcmeDns01Route53 { AccessKeyId = "AKIDEXAMPLE", SecretAccessKeySecretRef = new SecretKeySelector { Name = "aws" } },
        };

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer(null), solver));

        Assert.Contains("route53.secretAccessKeySecretRef: Secret \"cert-manager/aws\" not found", error.Message);
    }

    private static AcmeDns01Solver Route53Ambient(string? role = null) => new() { Route53 = new AcmeDns01Route53 { Role = role } };

    private static AcmeDns01Solver AzureAmbient() => new()
    {
        AzureDns = new AcmeDns01AzureDns
        {
            SubscriptionId = AzureArmFakeServer.Subscription,
            ResourceGroupName = AzureArmFakeServer.ResourceGroup,
            HostedZoneName = "example.com",
            ManagedIdentity = new AzureManagedIdentity { ClientId = AzureIdentityFakeServer.ClientId },
        },
    };

    public static TheoryData<string, AcmeDns01Solver> AmbientSolvers() => new()
    {
        { "route53", Route53Ambient() },
        { "route53", Route53Ambient(role: StsFakeServer.RoleArn) }, // the role would be assumed with the controller's own credentials
        { "azureDNS", AzureAmbient() },
    };

    [Theory]
    [MemberData(nameof(AmbientSolvers))]
    public async Task AnIssuerMayNotUseAmbientCredentialsByDefault(string provider, AcmeDns01Solver solver)
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), solver));

        Assert.StartsWith($"spec.acme.solvers[].dns01.{provider}: an Issuer may not use the controller's ambient", error.Message);
        Assert.Contains(provider == "route53" ? "accessKeyIDSecretRef" : "clientSecretSecretRef", error.Message);
        Assert.Contains("CertFleet:Dns01:IssuerAmbientCredentials", error.Message);
        Assert.Contains("--issuer-ambient-credentials", error.Message);
        Assert.Empty(_reader.SecretReads);
        Assert.Empty(_reader.TokenRequests);
    }

    [Theory]
    [MemberData(nameof(AmbientSolvers))]
    public async Task AClusterIssuerMayUseAmbientCredentialsByDefault(string provider, AcmeDns01Solver solver)
    {
        var created = await _providers.CreateAsync(Issuer(null), solver);

        Assert.IsType(provider == "route53" ? typeof(Route53Provider) : typeof(AzureDnsProvider), created);
    }

    [Theory]
    [MemberData(nameof(AmbientSolvers))]
    public async Task IssuerAmbientCredentialsOptionLetsAnIssuerUseThem(string provider, AcmeDns01Solver solver)
    {
        using var permissive = Providers(new AzureAmbientIdentity(null, null, null), issuerAmbient: true);

        var created = await permissive.CreateAsync(Issuer("team-a"), solver);

        Assert.IsType(provider == "route53" ? typeof(Route53Provider) : typeof(AzureDnsProvider), created);
    }

    [Theory]
    [MemberData(nameof(AmbientSolvers))]
    public async Task ClusterIssuerAmbientCredentialsCanBeTurnedOff(string provider, AcmeDns01Solver solver)
    {
        using var strict = Providers(new AzureAmbientIdentity(null, null, null), clusterIssuerAmbient: false);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => strict.CreateAsync(Issuer(null), solver));

        Assert.StartsWith($"spec.acme.solvers[].dns01.{provider}: a ClusterIssuer may not use the controller's ambient", error.Message);
        Assert.Contains("CertFleet:Dns01:ClusterIssuerAmbientCredentials", error.Message);
        Assert.Contains("--cluster-issuer-ambient-credentials", error.Message);
    }

    [Fact]
    public async Task AzureWorkloadIdentityIsAmbientToo()
    {
        var tokenFile = Path.GetTempFileName();
        try
        {
            // The pod's federated token is the controller's identity, not the Issuer's.
            using var workload = Providers(new AzureAmbientIdentity(tokenFile, AzureIdentityFakeServer.ClientId, AzureIdentityFakeServer.TenantId));

            var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => workload.CreateAsync(Issuer("team-a"), AzureAmbient()));

            Assert.Contains("an Issuer may not use the controller's ambient Azure identity", error.Message);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Theory]
    [InlineData("", "hetzner", "spec.acme.solvers[].dns01.webhook.groupName: Required value")]
    [InlineData("acme.example.com", "", "spec.acme.solvers[].dns01.webhook.solverName: Required value")]
    public async Task AWebhookSolverWithoutItsGroupOrNameIsRefusedNamingTheField(string group, string solverName, string expected)
    {
        var solver = new AcmeDns01Solver { Webhook = new AcmeDns01Webhook { GroupName = group, SolverName = solverName } };

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer("team-a"), solver, "www.example.com"));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public async Task ExplicitRoute53KeysAreNotAmbient()
    {
        _reader.Secrets[new ObjectKey(Cluster, "team-a", "aws")] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        var solver = new AcmeDns01Solver
        {
            Route53 = new AcmeDns01Route53 { AccessKeyId = "AKIDEXAMPLE", SecretAccessKeySecretRef = new SecretKeySelector { Name = "aws" } },
        };

        Assert.IsType<Route53Provider>(await _providers.CreateAsync(Issuer("team-a"), solver));
        Assert.Equal(new ObjectKey(Cluster, "team-a", "aws"), Assert.Single(_reader.SecretReads));
    }

    [Fact]
    public async Task Route53ServiceAccountIsNotAmbient()
    {
        // Issuers may not use ambient credentials here; the ServiceAccount's token is the Issuer's own identity.
        _reader.ServiceAccounts.Add(new ObjectKey(Cluster, "team-a", "route53"));

        Assert.IsType<Route53Provider>(await _providers.CreateAsync(Issuer("team-a"), Route53ServiceAccount()));
        Assert.Single(_reader.TokenRequests);
    }

    [Fact]
    public async Task AzureServicePrincipalIsNotAmbient()
    {
        _reader.Secrets[new ObjectKey(Cluster, "team-a", "azure-dns")] = "s3cret";
        var solver = AzureAmbient();
        solver = solver with
        {
            AzureDns = solver.AzureDns! with
            {
                ManagedIdentity = null,
                ClientId = AzureIdentityFakeServer.ClientId,
                TenantId = AzureIdentityFakeServer.TenantId,
                ClientSecretSecretRef = new SecretKeySelector { Name = "azure-dns", Key = "client-secret" },
            },
        };

        Assert.IsType<AzureDnsProvider>(await _providers.CreateAsync(Issuer("team-a"), solver));
    }

    [Theory]
    [InlineData("AKIDEXAMPLE", false)]
    [InlineData(null, true)]
    public async Task HalfARoute53KeyPairIsRefusedRatherThanTreatedAsAmbient(string? accessKeyId, bool fromSecret)
    {
        var solver = new AcmeDns01Solver
        {
            Route53 = new AcmeDns01Route53
            {
                AccessKeyId = accessKeyId,
                AccessKeyIdSecretRef = fromSecret ? new SecretKeySelector { Name = "aws", Key = "access-key-id" } : null,
            },
        };

        // Even where ambient credentials are allowed, a lone access key ID is a mistake to name, not the controller's identity.
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => _providers.CreateAsync(Issuer(null), solver));

        Assert.Contains("route53.secretAccessKeySecretRef: Required value", error.Message);
    }

    /// <summary>The bridge's reader as Dns01Providers sees it: Secrets and ServiceAccounts by key, and what was asked.</summary>
    private sealed class FakeReader : IClusterReader
    {
        public ConcurrentDictionary<ObjectKey, string> Secrets { get; } = new();
        public HashSet<ObjectKey> ServiceAccounts { get; } = [];
        public ConcurrentQueue<ObjectKey> SecretReads { get; } = new();
        public ConcurrentQueue<(ObjectKey Account, IReadOnlyList<string> Audiences, TimeSpan Lifetime)> TokenRequests { get; } = new();
        public ClusterWriteException? TokenFailure { get; set; }

        public Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default)
        {
            SecretReads.Enqueue(key);
            // Every key a test names gets the value, whichever key the field defaults to.
            return Task.FromResult(Secrets.TryGetValue(key, out var value)
                ? new SecretData { Key = key, Data = new() { ["client-secret"] = "s3cret"u8.ToArray(), ["secret-access-key"] = System.Text.Encoding.UTF8.GetBytes(value) } }
                : null);
        }

        public Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(
            ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default)
        {
            TokenRequests.Enqueue((serviceAccount, [.. audiences], lifetime));
            if (TokenFailure is { } failure)
                throw failure;
            return Task.FromResult(ServiceAccounts.Contains(serviceAccount)
                ? new ServiceAccountToken(TestJwt.For(audiences, $"system:serviceaccount:{serviceAccount.Namespace}:{serviceAccount.Name}"), DateTimeOffset.UtcNow.Add(lifetime))
                : null);
        }
    }
}
