using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.Providers.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertFleet.TestSupport;

/// <summary>
/// HashiCorp Vault on loopback, the part of its documented HTTP API a certificate issuer uses: <c>GET /v1/sys/health</c>,
/// <c>POST /v1/auth/&lt;mount&gt;/login</c> for the kubernetes (JWT checked through the Kubernetes TokenReview API, as
/// Vault's kubernetes auth does), approle and cert methods, and <c>POST /v1/&lt;pki&gt;/sign/:role</c> and
/// <c>sign-verbatim</c>, signed by a real CA. <c>X-Vault-Token</c> is checked on every call (existence, ttl, policy),
/// <c>X-Vault-Namespace</c> when a namespace is set. Errors are Vault's: <c>{"errors": [...]}</c> with its status codes.
/// </summary>
public sealed partial class VaultFake : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa? _intermediateKey;
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2? _intermediate;
    private readonly ConcurrentDictionary<string, (string[] Policies, DateTimeOffset? Expires)> _tokens = new();
    private readonly ConcurrentDictionary<string, string[]> _policies = new();
    private readonly ConcurrentDictionary<string, PkiRole> _pkiRoles = new();
    private readonly ConcurrentDictionary<string, KubernetesRole> _kubernetesRoles = new();
    private readonly ConcurrentDictionary<string, AppRole> _appRoles = new();
    private readonly ConcurrentDictionary<string, CertRole> _certRoles = new();
    private readonly ConcurrentDictionary<string, int> _logins = new();
    private (Uri Server, string Token, string CaPem)? _kubernetes;
    private Func<string, string?, Task<string?>>? _review;

    private VaultFake(WebApplication app, bool withIntermediate)
    {
        _app = app;
        var rootRequest = new CertificateRequest("CN=Vault fake root CA", _rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        _root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        if (withIntermediate)
        {
            _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=Vault fake intermediate CA", _intermediateKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_root, true, false));
            _intermediate = request.Create(_root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(20), RandomNumberGenerator.GetBytes(16));
        }
    }

    /// <summary>Address to put in an issuer's spec.vault.server.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Vault Enterprise namespace every call but sys/health must name in X-Vault-Namespace; null: none.</summary>
    public string? Namespace { get; set; }

    /// <summary>Sealed: health answers 503 and every other call fails as Vault's do.</summary>
    public bool Sealed { get; set; }

    /// <summary>The PKI engine's root CA (PEM).</summary>
    public string RootPem => _root.ExportCertificatePem() + "\n";

    /// <summary>The CA that signs leaves (PEM): the intermediate when there is one.</summary>
    public string IssuingCaPem => (_intermediate ?? _root).ExportCertificatePem() + "\n";

    /// <summary>"METHOD path" of every request, with the namespace header when one came.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Calls that do not follow Vault's API (e.g. a login body missing its fields); fail the test when non-empty.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Successful logins per auth mount ("kubernetes", "approle", "cert").</summary>
    public int Logins(string mount) => _logins.GetValueOrDefault(mount);

    /// <summary>Starts the fake: http, or https with <paramref name="serverCertificate"/> (client certificates are asked for, not required).</summary>
    public static async Task<VaultFake> StartAsync(X509Certificate2? serverCertificate = null, bool withIntermediate = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is not null)
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true, // the cert auth method decides
                });
        }));
        var app = builder.Build();
        var fake = new VaultFake(app, withIntermediate);
        app.Run(fake.HandleAsync);
        fake.Address = (await app.StartListeningAsync())[0];
        return fake;
    }

    /// <summary>A policy granting update on each path; a trailing * matches any rest.</summary>
    public void AddPolicy(string name, params string[] paths) => _policies[name] = paths;

    /// <summary>A token as <c>vault token create</c> makes it; a zero ttl never expires.</summary>
    public string CreateToken(TimeSpan ttl, params string[] policies)
    {
        var token = "hvs." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        _tokens[token] = (policies, ttl > TimeSpan.Zero ? DateTimeOffset.UtcNow + ttl : null);
        return token;
    }

    public void AddPkiRole(string mount, string role, TimeSpan maxTtl, params string[] allowedDomains) =>
        _pkiRoles[$"{mount}/{role}"] = new PkiRole(allowedDomains, maxTtl);

    /// <summary>auth/&lt;mount&gt;/config: JWTs are reviewed by the API server the kubeconfig names, with its token.</summary>
    public void ConfigureKubernetesAuth(string kubeconfigPath)
    {
        var kubeconfig = File.ReadAllText(kubeconfigPath);
        string Field(string name) => Regex.Match(kubeconfig, $@"^\s*{name}: (\S+)\s*$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value.Trim('"')
            : throw new InvalidOperationException($"the kubeconfig has no {name}");
        _kubernetes = (new Uri(Field("server")), Field("token"), Encoding.ASCII.GetString(Convert.FromBase64String(Field("certificate-authority-data"))));
        _review = ReviewAsync;
    }

    /// <summary>
    /// auth/&lt;mount&gt;/config for tests without an API server: <paramref name="review"/> plays TokenReview, answering
    /// the username of a JWT (given the role's audience), or null when it does not authenticate.
    /// </summary>
    public void ConfigureKubernetesAuth(Func<string, string?, Task<string?>> review) => _review = review;

    public void AddKubernetesRole(string mount, string role, string[] boundServiceAccountNames, string[] boundNamespaces, string? audience,
        TimeSpan tokenTtl, params string[] policies) =>
        _kubernetesRoles[$"{mount}/{role}"] = new KubernetesRole(boundServiceAccountNames, boundNamespaces, audience, tokenTtl, policies);

    public void AddAppRole(string mount, string roleId, string secretId, TimeSpan tokenTtl, params string[] policies) =>
        _appRoles[$"{mount}/{roleId}"] = new AppRole(secretId, tokenTtl, policies);

    /// <summary>auth/cert/certs/&lt;name&gt;: clients whose certificate <paramref name="caPem"/> signed log in as it.</summary>
    public void AddCertRole(string mount, string name, string caPem, TimeSpan tokenTtl, params string[] policies) =>
        _certRoles[$"{mount}/{name}"] = new CertRole(caPem, tokenTtl, policies);

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var ns = context.Request.Headers["X-Vault-Namespace"].ToString();
        Requests.Enqueue($"{context.Request.Method} {path}{(ns.Length > 0 ? $" ns={ns}" : "")}");
        if (path == "/v1/sys/health" && context.Request.Method == "GET")
        {
            await Json(context, Sealed ? 503 : 200, new JsonObject
            {
                ["initialized"] = true, ["sealed"] = Sealed, ["standby"] = false, ["performance_standby"] = false,
                ["version"] = "1.17.0", ["cluster_name"] = "vault-fake",
            });
            return;
        }
        if (Sealed)
        {
            await Errors(context, 503, "Vault is sealed");
            return;
        }
        if ((Namespace ?? "") != ns.Trim('/'))
        {
            // Another namespace has none of these mounts.
            await Errors(context, 404, $"no handler for route \"{path.TrimStart('/')[3..]}\". route entry not found.");
            return;
        }
        if (context.Request.Method != "POST" && context.Request.Method != "PUT")
        {
            await Errors(context, 405, "unsupported operation");
            return;
        }
        JsonObject body;
        try
        {
            body = await context.Request.ReadFromJsonAsync<JsonObject>() ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            Violations.Enqueue($"{path}: body is not a JSON object");
            await Errors(context, 400, "failed to parse JSON input");
            return;
        }
        if (LoginPath().Match(path) is { Success: true } login)
        {
            await LoginAsync(context, login.Groups["mount"].Value, body);
            return;
        }
        if (SignPath().Match(path) is { Success: true } sign)
        {
            await SignAsync(context, path[4..], sign.Groups["mount"].Value, sign.Groups["verbatim"].Success, sign.Groups["role"].Value, body);
            return;
        }
        await Errors(context, 404, $"no handler for route \"{path[4..]}\". route entry not found.");
    }

    private async Task LoginAsync(HttpContext context, string mount, JsonObject body)
    {
        if (context.Request.Headers.ContainsKey("X-Vault-Token"))
            Violations.Enqueue($"auth/{mount}/login: a login carries no X-Vault-Token");
        string? Text(string name) => body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        string[] policies;
        TimeSpan ttl;
        if (_kubernetesRoles.Keys.Any(k => k.StartsWith(mount + "/", StringComparison.Ordinal)) || mount == "kubernetes")
        {
            var (roleName, jwt) = (Text("role"), Text("jwt"));
            if (string.IsNullOrEmpty(roleName) || string.IsNullOrEmpty(jwt))
            {
                Violations.Enqueue($"auth/{mount}/login: body needs role and jwt");
                await Errors(context, 400, "missing role");
                return;
            }
            if (!_kubernetesRoles.TryGetValue($"{mount}/{roleName}", out var role))
            {
                await Errors(context, 400, $"invalid role name \"{roleName}\"");
                return;
            }
            var user = _review is { } review
                ? await review(jwt, role.Audience)
                : throw new InvalidOperationException("kubernetes auth is not configured: call ConfigureKubernetesAuth");
            if (user is null)
            {
                await Errors(context, 403, "permission denied");
                return;
            }
            var parts = user.Split(':');
            if (parts.Length != 4 || parts[0] != "system" || parts[1] != "serviceaccount")
            {
                await Errors(context, 403, "permission denied");
                return;
            }
            if (!role.BoundNames.Contains("*") && !role.BoundNames.Contains(parts[3]))
            {
                await Errors(context, 403, "service account name not authorized");
                return;
            }
            if (!role.BoundNamespaces.Contains("*") && !role.BoundNamespaces.Contains(parts[2]))
            {
                await Errors(context, 403, "namespace not authorized");
                return;
            }
            (policies, ttl) = (role.Policies, role.TokenTtl);
        }
        else if (mount.Contains("approle", StringComparison.Ordinal))
        {
            var (roleId, secretId) = (Text("role_id"), Text("secret_id"));
            if (string.IsNullOrEmpty(roleId))
            {
                await Errors(context, 400, "missing role_id");
                return;
            }
            if (!_appRoles.TryGetValue($"{mount}/{roleId}", out var role) || role.SecretId != secretId)
            {
                await Errors(context, 400, "invalid role or secret ID");
                return;
            }
            (policies, ttl) = (role.Policies, role.TokenTtl);
        }
        else if (mount.Contains("cert", StringComparison.Ordinal))
        {
            var client = await context.Connection.GetClientCertificateAsync();
            var wanted = Text("name");
            var match = client is null ? null : _certRoles
                .Where(r => r.Key.StartsWith(mount + "/", StringComparison.Ordinal) && (wanted is null || r.Key == $"{mount}/{wanted}"))
                .Select(r => r.Value).FirstOrDefault(r => IssuedBy(client, r.CaPem));
            if (match is null)
            {
                await Errors(context, 400, "invalid certificate or no client certificate supplied");
                return;
            }
            (policies, ttl) = (match.Policies, match.TokenTtl);
        }
        else
        {
            await Errors(context, 404, $"no handler for route \"auth/{mount}/login\". route entry not found.");
            return;
        }
        _logins.AddOrUpdate(mount, 1, (_, n) => n + 1);
        var token = CreateToken(ttl, policies);
        await Json(context, 200, new JsonObject
        {
            ["request_id"] = Guid.NewGuid().ToString(), ["lease_id"] = "", ["renewable"] = false, ["lease_duration"] = 0, ["data"] = null,
            ["auth"] = new JsonObject
            {
                ["client_token"] = token, ["accessor"] = Guid.NewGuid().ToString("N"),
                ["policies"] = new JsonArray([.. policies.Prepend("default").Select(p => JsonValue.Create(p))]),
                ["token_policies"] = new JsonArray([.. policies.Prepend("default").Select(p => JsonValue.Create(p))]),
                ["lease_duration"] = (long)ttl.TotalSeconds, ["renewable"] = true,
            },
        });
    }

    private static bool IssuedBy(X509Certificate2 client, string caPem)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client);
    }

    /// <summary>The username the API server's TokenReview gives the JWT, or null when it does not authenticate it.</summary>
    private async Task<string?> ReviewAsync(string jwt, string? audience)
    {
        var kubernetes = _kubernetes!.Value;
        using var ca = X509Certificate2.CreateFromPem(kubernetes.CaPem);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(kubernetes.Server, "/apis/authentication.k8s.io/v1/tokenreviews"));
        request.Headers.Authorization = new("Bearer", kubernetes.Token);
        var spec = new JsonObject { ["token"] = jwt };
        if (audience is not null)
            spec["audiences"] = new JsonArray(audience);
        request.Content = JsonContent.Create(new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview", ["spec"] = spec });
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            Violations.Enqueue($"TokenReview answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return null;
        }
        var review = await response.Content.ReadFromJsonAsync<JsonObject>();
        return review?["status"]?["authenticated"]?.GetValue<bool>() == true ? review["status"]?["user"]?["username"]?.GetValue<string>() : null;
    }

    private async Task SignAsync(HttpContext context, string path, string mount, bool verbatim, string roleName, JsonObject body)
    {
        var presented = context.Request.Headers["X-Vault-Token"].ToString();
        if (presented.Length == 0 || !_tokens.TryGetValue(presented, out var token) || token.Expires < DateTimeOffset.UtcNow)
        {
            await Errors(context, 403, "permission denied");
            return;
        }
        if (!token.Policies.SelectMany(p => _policies.GetValueOrDefault(p) ?? []).Any(allowed =>
                allowed.EndsWith('*') ? path.StartsWith(allowed[..^1], StringComparison.Ordinal) : path == allowed))
        {
            await Errors(context, 403, "1 error occurred:\n\t* permission denied\n\n");
            return;
        }
        PkiRole? role = null;
        if (!verbatim || roleName.Length > 0)
        {
            if (!_pkiRoles.TryGetValue($"{mount}/{roleName}", out role))
            {
                await Errors(context, 400, $"unknown role: {roleName}");
                return;
            }
        }
        string? Text(string name) => body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        CertificateRequest csr;
        try
        {
            csr = CertificateRequest.LoadSigningRequestPem(Text("csr") ?? "", HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            await Errors(context, 400, $"certificate request could not be parsed: {ex.Message}");
            return;
        }
        var ttl = Text("ttl") is { Length: > 0 } ttlText ? GoDuration.Parse(ttlText) : TimeSpan.FromDays(30);
        if (role is not null && ttl > role.MaxTtl)
            ttl = role.MaxTtl; // Vault caps the ttl at the role's max_ttl
        var commonName = verbatim ? csr.SubjectName.Name.Replace("CN=", "", StringComparison.Ordinal) : Text("common_name") ?? "";
        var dnsNames = Split(Text("alt_names"));
        if (Text("exclude_cn_from_sans") != "true" && commonName.Length > 0 && !dnsNames.Contains(commonName))
            dnsNames.Insert(0, commonName);
        if (!verbatim && role is not null)
        {
            var refused = dnsNames.Append(commonName).Where(n => n.Length > 0)
                .FirstOrDefault(n => !role.AllowedDomains.Any(d => n.Equals(d, StringComparison.OrdinalIgnoreCase) || n.EndsWith("." + d, StringComparison.OrdinalIgnoreCase)));
            if (refused is not null)
            {
                await Errors(context, 400, $"subject alternate name {refused} not allowed by this role");
                return;
            }
        }
        var issuer = _intermediate ?? _root;
        var issuerKey = _intermediateKey ?? _rootKey;
        var leaf = new CertificateRequest(new X500DistinguishedName(commonName.Length > 0 ? $"CN={commonName}" : ""), csr.PublicKey, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
            sans.AddDnsName(name);
        foreach (var ip in Split(Text("ip_sans")))
            sans.AddIpAddress(IPAddress.Parse(ip));
        foreach (var uri in Split(Text("uri_sans")))
            sans.AddUri(new Uri(uri));
        leaf.CertificateExtensions.Add(sans.Build());
        leaf.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leaf.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, true));
        leaf.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        leaf.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leaf.PublicKey, false));
        leaf.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = leaf.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), now.AddSeconds(-30), now + ttl, serial);
        var chain = _intermediate is null ? new JsonArray(RootPem) : new JsonArray(IssuingCaPem, RootPem);
        await Json(context, 200, new JsonObject
        {
            ["request_id"] = Guid.NewGuid().ToString(), ["lease_id"] = "", ["renewable"] = false, ["lease_duration"] = 0,
            ["data"] = new JsonObject
            {
                ["certificate"] = signed.ExportCertificatePem(),
                ["issuing_ca"] = issuer.ExportCertificatePem(),
                ["ca_chain"] = chain,
                ["serial_number"] = string.Join(':', signed.SerialNumberBytes.ToArray().Reverse().Select(b => b.ToString("x2"))),
                ["expiration"] = signed.NotAfter.ToUniversalTime().Subtract(DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond,
            },
            ["wrap_info"] = null, ["warnings"] = null, ["auth"] = null,
        });
    }

    private static List<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static Task Errors(HttpContext context, int status, params string[] errors) =>
        Json(context, status, new JsonObject { ["errors"] = new JsonArray([.. errors.Select(e => JsonValue.Create(e))]) });

    private static async Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    [GeneratedRegex("^/v1/auth/(?<mount>.+)/login$")]
    private static partial Regex LoginPath();

    [GeneratedRegex("^/v1/(?<mount>[^/]+(/[^/]+)*?)/(sign/(?<role>[^/]+)|(?<verbatim>sign-verbatim)(/(?<role>[^/]+))?)$")]
    private static partial Regex SignPath();

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _root.Dispose();
        _intermediate?.Dispose();
        _rootKey.Dispose();
        _intermediateKey?.Dispose();
    }

    private sealed record PkiRole(string[] AllowedDomains, TimeSpan MaxTtl);

    private sealed record KubernetesRole(string[] BoundNames, string[] BoundNamespaces, string? Audience, TimeSpan TokenTtl, string[] Policies);

    private sealed record AppRole(string SecretId, TimeSpan TokenTtl, string[] Policies);

    private sealed record CertRole(string CaPem, TimeSpan TokenTtl, string[] Policies);
}
