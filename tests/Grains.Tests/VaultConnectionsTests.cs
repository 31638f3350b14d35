using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using CertFleet.Providers.Vault;
using CertFleet.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Grains.Tests;

/// <summary>
/// The Vault issuer against the Vault fake: each auth method, the token cache, TLS to Vault, and Vault's own words
/// on the issuer (VerifyAsync) and the request (SignAsync) when something is wrong.
/// </summary>
public sealed class VaultConnectionsTests : IAsyncLifetime
{
    private static readonly ObjectKey Issuer = new("local", "team-a", "vault");
    private static readonly ObjectKey ClusterIssuer = new("local", "", "vault-pki");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly SecretsAndTokens _cluster = new();
    private readonly IssuanceOptions _options = new() { ClusterResourceNamespace = "cert-manager" };
    private VaultFake _vault = null!;
    private VaultConnections _connections = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultFake.StartAsync();
        _vault.AddPolicy("pki-sign", "pki/sign/*", "pki/sign-verbatim*");
        _vault.AddPkiRole("pki", "my-role", TimeSpan.FromDays(30), "example.com");
        _connections = new VaultConnections(_cluster, Options.Create(_options), _clock);
    }

    public async Task DisposeAsync()
    {
        _connections.Dispose();
        await _vault.DisposeAsync();
        Assert.Empty(_vault.Violations);
    }

    private VaultIssuer Spec(VaultAuth auth, string path = "pki/sign/my-role") => new() { Server = _vault.Address.ToString(), Path = path, Auth = auth };

    private VaultAuth TokenAuth(params string[] policies)
    {
        _cluster.Put(Issuer.WithName("vault-token"), ("token", _vault.CreateToken(TimeSpan.FromHours(1), policies) + "\n"));
        return new VaultAuth { TokenSecretRef = new SecretKeySelector { Name = "vault-token" } };
    }

    private static SignRequest Request(TimeSpan duration, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
            sans.AddDnsName(name);
        request.CertificateExtensions.Add(sans.Build());
        return new SignRequest { Request = Issuer.WithName("web-1"), CsrPem = request.CreateSigningRequestPem(), Duration = duration };
    }

    private static X509Certificate2 Leaf(RequestOutcome outcome) => X509Certificate2.CreateFromPem(outcome.ChainPem!);

    [Fact]
    public async Task A_token_from_its_Secret_signs_and_the_outcome_holds_the_chain_and_ca_as_cert_manager_writes_them()
    {
        var spec = Spec(TokenAuth("pki-sign"));

        Assert.Null(await _connections.VerifyAsync(Issuer, spec));
        var outcome = await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(24), "web.example.com", "www.example.com"));

        Assert.Equal(RequestState.Issued, outcome.State);
        Assert.Single(PemBundle.Certificates(outcome.ChainPem!, "chain")); // the self-signed root is left out of tls.crt
        Assert.Equal(_vault.RootPem, outcome.CaPem);
        using var leaf = Leaf(outcome);
        using var root = X509Certificate2.CreateFromPem(_vault.RootPem);
        using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
        chain.ChainPolicy.CustomTrustStore.Add(root);
        Assert.True(chain.Build(leaf), "the leaf verifies against Vault's CA");
        Assert.Equal(["web.example.com", "www.example.com"], CertificateInfo.Parse(leaf.RawData).DnsNames);
        Assert.InRange(leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1)); // ttl honoured
        Assert.Contains(_vault.Requests, r => r == "POST /v1/pki/sign/my-role");
    }

    [Fact]
    public async Task With_an_intermediate_tls_crt_holds_leaf_and_intermediate_and_ca_crt_the_root()
    {
        await using var vault = await VaultFake.StartAsync(withIntermediate: true);
        vault.AddPolicy("pki-sign", "pki/sign/*");
        vault.AddPkiRole("pki", "my-role", TimeSpan.FromDays(1), "example.com");
        _cluster.Put(Issuer.WithName("vault-token"), ("token", vault.CreateToken(TimeSpan.FromHours(1), "pki-sign")));
        var spec = new VaultIssuer { Server = vault.Address.ToString(), Path = "pki/sign/my-role", Auth = new VaultAuth { TokenSecretRef = new SecretKeySelector { Name = "vault-token" } } };

        var outcome = await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromDays(90), "api.example.com"));

        var chain = PemBundle.Certificates(outcome.ChainPem!, "chain").Select(CertificateInfo.Parse).ToList();
        Assert.Equal(["CN=api.example.com", "CN=Vault fake intermediate CA"], chain.Select(c => c.SubjectDN));
        Assert.Equal(vault.RootPem, outcome.CaPem);
        Assert.InRange(chain[0].NotAfter - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24)); // capped at the role's max_ttl
    }

    [Fact]
    public async Task Sign_verbatim_paths_sign_the_CSR_as_it_is()
    {
        var outcome = await _connections.SignAsync(Issuer, Spec(TokenAuth("pki-sign"), "pki/sign-verbatim/my-role"), Request(TimeSpan.FromHours(2), "v.example.com"));

        Assert.Equal(RequestState.Issued, outcome.State);
        Assert.Equal("v.example.com", Leaf(outcome).GetNameInfo(X509NameType.SimpleName, false));
        Assert.Contains(_vault.Requests, r => r == "POST /v1/pki/sign-verbatim/my-role");
    }

    [Fact]
    public async Task An_AppRole_login_is_cached_until_shortly_before_its_lease_ends()
    {
        _vault.AddAppRole("approle", "role-1", "secret-1", TimeSpan.FromMinutes(10), "pki-sign");
        _cluster.Put(Issuer.WithName("approle"), ("secretId", "secret-1\n"));
        var spec = Spec(new VaultAuth { AppRole = new VaultAppRole { Path = "approle", RoleId = "role-1", SecretRef = new SecretKeySelector { Name = "approle", Key = "secretId" } } });

        Assert.Null(await _connections.VerifyAsync(Issuer, spec));
        for (var i = 0; i < 3; i++)
            Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).State);
        Assert.Equal(1, _vault.Logins("approle"));

        _clock.Advance(TimeSpan.FromMinutes(8.5));
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).State);
        Assert.Equal(1, _vault.Logins("approle"));

        _clock.Advance(TimeSpan.FromMinutes(0.6)); // within the last minute of the 10-minute lease
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).State);
        Assert.Equal(2, _vault.Logins("approle"));
    }

    [Theory]
    [InlineData(120, 96)]     // a fifth of a short lease before its end
    [InlineData(600, 540)]    // at most a minute before
    [InlineData(3600, 3540)]
    [InlineData(0, 600)]      // no lease: reused ten minutes
    public void Tokens_are_renewed_before_their_lease_ends(int leaseSeconds, int renewAfterSeconds)
    {
        var issued = DateTimeOffset.UnixEpoch;
        Assert.Equal(issued.AddSeconds(renewAfterSeconds), VaultTokenCache.RenewalTime(issued, TimeSpan.FromSeconds(leaseSeconds)));
    }

    [Fact]
    public async Task A_revoked_cached_token_is_replaced_by_a_new_login()
    {
        _vault.AddAppRole("approle", "role-1", "secret-1", TimeSpan.FromSeconds(2), "pki-sign");
        _cluster.Put(Issuer.WithName("approle"), ("secretId", "secret-1"));
        var spec = Spec(new VaultAuth { AppRole = new VaultAppRole { Path = "approle", RoleId = "role-1", SecretRef = new SecretKeySelector { Name = "approle", Key = "secretId" } } });
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).State);

        await Task.Delay(TimeSpan.FromSeconds(2.5)); // Vault's ttl passes, this silo's (fake) clock does not

        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).State);
        Assert.Equal(2, _vault.Logins("approle"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kubernetes_auth_with_serviceAccountRef_asks_TokenRequest_for_cert_managers_audiences(bool clusterIssuer)
    {
        var issuer = clusterIssuer ? ClusterIssuer : Issuer;
        var audience = clusterIssuer ? "vault://vault-pki" : "vault://team-a/vault";
        _vault.ConfigureKubernetesAuth((jwt, roleAudience) => Task.FromResult(
            _cluster.Issued.TryGetValue(jwt, out var token) && roleAudience is not null && token.Audiences.Contains(roleAudience)
                ? $"system:serviceaccount:{token.Account.Namespace}:{token.Account.Name}"
                : null));
        _vault.AddKubernetesRole("k8s-east", "issuer", ["vault-issuer"], [clusterIssuer ? "cert-manager" : "team-a"], audience, TimeSpan.FromMinutes(5), "pki-sign");
        var spec = Spec(new VaultAuth
        {
            Kubernetes = new VaultKubernetesAuth
            {
                Role = "issuer", MountPath = "/v1/auth/k8s-east", ServiceAccountRef = new ServiceAccountRef { Name = "vault-issuer", Audiences = ["extra"] },
            },
        });

        Assert.Null(await _connections.VerifyAsync(issuer, spec));
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(issuer, spec, Request(TimeSpan.FromHours(1), "k.example.com"))).State);

        var request = Assert.Single(_cluster.TokenRequests); // the second call used the cached Vault token
        Assert.Equal(new ObjectKey("local", clusterIssuer ? "cert-manager" : "team-a", "vault-issuer"), request.Account);
        Assert.Equal(["extra", audience], request.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(10), request.Lifetime);
        Assert.Contains(_vault.Requests, r => r == "POST /v1/auth/k8s-east/login");
    }

    [Fact]
    public async Task Kubernetes_auth_without_a_token_source_uses_the_controllers_own_token_for_ClusterIssuers_only()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "controller-jwt\n");
        _options.VaultServiceAccountTokenFile = file;
        _vault.ConfigureKubernetesAuth((jwt, _) => Task.FromResult(jwt == "controller-jwt" ? "system:serviceaccount:cert-manager:cert-manager" : null));
        _vault.AddKubernetesRole("kubernetes", "cert-manager", ["cert-manager"], ["cert-manager"], null, TimeSpan.FromMinutes(5), "pki-sign");
        var spec = Spec(new VaultAuth { Kubernetes = new VaultKubernetesAuth { Role = "cert-manager", MountPath = "/v1/auth/kubernetes" } });

        Assert.Null(await _connections.VerifyAsync(ClusterIssuer, spec));
        var refused = await _connections.VerifyAsync(Issuer, spec);

        Assert.Equal("Failed to initialize Vault client: spec.vault.auth.kubernetes: set secretRef or serviceAccountRef; an Issuer may not log in with the controller's own service account token unless CertFleet:Dns01:IssuerAmbientCredentials allows ambient credentials", refused);
        File.Delete(file);
    }

    [Fact]
    public async Task Vaults_own_words_reach_the_issuer_and_the_request()
    {
        _vault.ConfigureKubernetesAuth((_, _) => Task.FromResult<string?>("system:serviceaccount:team-a:vault-issuer"));
        _cluster.Put(Issuer.WithName("jwt"), ("token", "legacy-jwt"));
        var wrongLoginRole = Spec(new VaultAuth { Kubernetes = new VaultKubernetesAuth { Role = "nope", SecretRef = new SecretKeySelector { Name = "jwt" } } });
        Assert.Equal(
            $"Failed to initialize Vault client: error logging in to Vault server: Error making API request. URL: POST {_vault.Address}v1/auth/kubernetes/login Code: 400. Errors: * invalid role name \"nope\"",
            await _connections.VerifyAsync(Issuer, wrongLoginRole));

        var wrongPkiRole = await _connections.SignAsync(Issuer, Spec(TokenAuth("pki-sign"), "pki/sign/other-role"), Request(TimeSpan.FromHours(1), "a.example.com"));
        Assert.Equal((RequestState.Failed, "SigningError"), (wrongPkiRole.State, wrongPkiRole.Reason));
        Assert.EndsWith("Code: 400. Errors: * unknown role: other-role", wrongPkiRole.Message);
        Assert.StartsWith("Vault failed to sign certificate: failed to sign certificate by vault: Error making API request.", wrongPkiRole.Message);

        var denied = await _connections.SignAsync(Issuer, Spec(TokenAuth("some-other-policy")), Request(TimeSpan.FromHours(1), "a.example.com"));
        Assert.Equal((RequestState.Failed, "SigningError"), (denied.State, denied.Reason));
        Assert.EndsWith("Code: 403. Errors: * 1 error occurred: * permission denied", denied.Message);

        var port = LoopbackPorts.Allocate(1)[0];
        var unreachable = Spec(TokenAuth("pki-sign")) with { Server = $"http://127.0.0.1:{port}" };
        var message = await _connections.VerifyAsync(Issuer, unreachable);
        Assert.StartsWith($"Failed to call Vault health check: error calling Vault /v1/sys/health: Get \"http://127.0.0.1:{port}/v1/sys/health\": Connection refused", message);

        _vault.Sealed = true;
        Assert.EndsWith("Code: 503. Errors: * Vault is sealed",
            (await _connections.SignAsync(Issuer, Spec(TokenAuth("pki-sign")), Request(TimeSpan.FromHours(1), "a.example.com"))).Message);
    }

    [Fact]
    public async Task Configuration_and_Secret_problems_name_the_field()
    {
        var missing = await _connections.SignAsync(Issuer, Spec(new VaultAuth { TokenSecretRef = new SecretKeySelector { Name = "absent" } }), Request(TimeSpan.FromHours(1), "a.example.com"));
        Assert.Equal((RequestState.Pending, "SecretMissing"), (missing.State, missing.Reason));
        Assert.Equal("Required secret resource not found: spec.vault.auth.tokenSecretRef: secret \"absent\" not found in namespace \"team-a\"", missing.Message);

        _vault.AddAppRole("approle", "role-1", "secret-1", TimeSpan.FromMinutes(10), "pki-sign");
        _cluster.Put(Issuer.WithName("approle"), ("secretId", "wrong"));
        var badLogin = await _connections.SignAsync(Issuer,
            Spec(new VaultAuth { AppRole = new VaultAppRole { Path = "approle", RoleId = "role-1", SecretRef = new SecretKeySelector { Name = "approle", Key = "secretId" } } }),
            Request(TimeSpan.FromHours(1), "a.example.com"));
        Assert.Equal((RequestState.Pending, "VaultInitError"), (badLogin.State, badLogin.Reason));
        Assert.EndsWith("Code: 400. Errors: * invalid role or secret ID", badLogin.Message);
        Assert.StartsWith("Failed to initialise vault client for signing: error logging in to Vault server:", badLogin.Message);

        Assert.Equal("Failed to initialize Vault client: spec.vault.auth: Multiple auth methods cannot be set on the same Vault issuer",
            await _connections.VerifyAsync(Issuer, Spec(TokenAuth() with { AppRole = new VaultAppRole { RoleId = "r", SecretRef = new SecretKeySelector { Name = "s", Key = "k" } } })));
        Assert.Equal("Failed to initialize Vault client: spec.vault.auth: Vault tokenSecretRef, appRole, clientCertificate, or kubernetes is required",
            await _connections.VerifyAsync(Issuer, Spec(new VaultAuth())));
        Assert.Equal("Failed to initialize Vault client: spec.vault.auth.appRole.secretRef.key: Vault AppRole auth requires secretRef.key",
            await _connections.VerifyAsync(Issuer, Spec(new VaultAuth { AppRole = new VaultAppRole { RoleId = "r", SecretRef = new SecretKeySelector { Name = "s" } } })));
        Assert.StartsWith("Failed to initialize Vault client: spec.vault.auth.aws: AWS IAM login is not supported",
            await _connections.VerifyAsync(Issuer, Spec(new VaultAuth { Aws = new VaultAwsAuth { Role = "r" } })));
        Assert.Equal("Failed to initialize Vault client: spec.vault.server: \"vault:8200\" is not an http(s) URL, e.g. https://vault.example.com:8200",
            await _connections.VerifyAsync(Issuer, Spec(TokenAuth()) with { Server = "vault:8200" }));
    }

    [Fact]
    public async Task The_namespace_goes_in_X_Vault_Namespace_on_every_call()
    {
        _vault.Namespace = "team-a";
        var spec = Spec(TokenAuth("pki-sign"));

        Assert.Contains("no handler for route", (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "a.example.com"))).Message);
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec with { Namespace = "team-a" }, Request(TimeSpan.FromHours(1), "a.example.com"))).State);
        Assert.Contains(_vault.Requests, r => r == "POST /v1/pki/sign/my-role ns=team-a");
    }

    [Fact]
    public async Task Tls_to_Vault_trusts_the_caBundle_checks_serverName_and_logs_in_with_a_client_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("vault-tls-").FullName;
        using var ca = new ThrowawayCa(directory);
        var (serverCert, serverKey) = ca.IssueServerCertificate("vault.internal");
        using var pem = X509Certificate2.CreateFromPemFile(serverCert, serverKey);
        await using var vault = await VaultFake.StartAsync(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        vault.AddPolicy("pki-sign", "pki/sign/*");
        vault.AddPkiRole("pki", "my-role", TimeSpan.FromDays(1), "example.com");
        var caPem = await File.ReadAllTextAsync(ca.CaFile);
        vault.AddCertRole("cert", "cert-manager", caPem, TimeSpan.FromMinutes(10), "pki-sign");
        var (clientCert, clientKey) = ca.IssuePeerCertificate("cert-manager");
        _cluster.Put(Issuer.WithName("vault-client"), ("tls.crt", await File.ReadAllTextAsync(clientCert)), ("tls.key", await File.ReadAllTextAsync(clientKey)));
        _cluster.Put(Issuer.WithName("vault-ca"), ("ca.crt", caPem));
        var spec = new VaultIssuer
        {
            Server = vault.Address.ToString(), Path = "pki/sign/my-role",
            CaBundleSecretRef = new SecretKeySelector { Name = "vault-ca" },
            ClientCertSecretRef = new SecretKeySelector { Name = "vault-client" },
            ClientKeySecretRef = new SecretKeySelector { Name = "vault-client" },
            Auth = new VaultAuth { ClientCertificate = new VaultClientCertificateAuth { Name = "cert-manager" } },
        };

        Assert.Null(await _connections.VerifyAsync(Issuer, spec));
        Assert.Equal(RequestState.Issued, (await _connections.SignAsync(Issuer, spec, Request(TimeSpan.FromHours(1), "t.example.com"))).State);
        Assert.Equal(1, vault.Logins("cert"));
        Assert.Null(await _connections.VerifyAsync(Issuer, spec with { ServerName = "vault.internal" }));

        Assert.Contains("SSL", await _connections.VerifyAsync(Issuer, spec with { ServerName = "vault.other" }), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("SSL", await _connections.VerifyAsync(Issuer, spec with { CaBundleSecretRef = null }), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Failed to initialize Vault client: spec.vault.caBundle: error loading Vault CA bundle: no PEM certificate found",
            await _connections.VerifyAsync(Issuer, spec with { CaBundleSecretRef = null, CaBundle = Encoding.UTF8.GetBytes("not pem") }));
    }

    /// <summary>Secrets by key, and the TokenRequests made (each answered with a fresh token).</summary>
    private sealed class SecretsAndTokens : IClusterReader
    {
        private readonly ConcurrentDictionary<ObjectKey, SecretData> _secrets = new();

        public ConcurrentQueue<(ObjectKey Account, IReadOnlyList<string> Audiences, TimeSpan Lifetime)> TokenRequests { get; } = new();

        public ConcurrentDictionary<string, (ObjectKey Account, IReadOnlyList<string> Audiences)> Issued { get; } = new();

        public void Put(ObjectKey key, params (string Key, string Value)[] entries) =>
            _secrets[key] = new SecretData { Key = key, Data = entries.ToDictionary(e => e.Key, e => Encoding.UTF8.GetBytes(e.Value)) };

        public Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default) => Task.FromResult(_secrets.GetValueOrDefault(key));

        public Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default)
        {
            TokenRequests.Enqueue((serviceAccount, audiences, lifetime));
            var token = "jwt-" + Guid.NewGuid().ToString("N");
            Issued[token] = (serviceAccount, audiences);
            return Task.FromResult<ServiceAccountToken?>(new ServiceAccountToken(token, DateTimeOffset.UtcNow + lifetime));
        }
    }
}
