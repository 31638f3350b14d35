using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using CertFleet.Providers.Vault;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// Vault issuers as cert-manager runs them: the connection (TLS from caBundle / caBundleSecretRef, mutual TLS from
/// clientCertSecretRef + clientKeySecretRef, serverName), the login (tokenSecretRef, appRole, kubernetes, clientCertificate),
/// the readiness check and the signing. Credentials are read from Secrets (an Issuer's namespace, a ClusterIssuer's
/// cluster-resource namespace) when needed; login tokens live in this silo's memory only (<see cref="VaultTokenCache"/>),
/// never in grain state. Messages are cert-manager's, ending in Vault's own words.
/// </summary>
public sealed class VaultConnections(
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : IDisposable
{
    public const string Verified = "Vault verified";
    private const string Field = "spec.vault";
    /// <summary>cert-manager asks TokenRequest for ten-minute tokens, the API's minimum.</summary>
    private static readonly TimeSpan ServiceAccountTokenLifetime = TimeSpan.FromMinutes(10);
    /// <summary>Below Orleans' 30 s call timeout, whatever the number of calls (Secrets, TokenRequest, login, sign).</summary>
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(25);
    private const int MaxClients = 64;

    private readonly VaultTokenCache _tokens = new(clock);
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// cert-manager's Vault issuer setup: the configuration, a client (logged in), then Vault's health. Null when
    /// verified, else the VaultError message.
    /// </summary>
    public async Task<string?> VerifyAsync(ObjectKey issuer, VaultIssuer spec)
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        Session session;
        try
        {
            session = await OpenAsync(issuer, spec, timeout.Token);
            await session.TokenAsync();
        }
        catch (Exception ex) when (ex is VaultSetupException or VaultException)
        {
            return $"Failed to initialize Vault client: {ex.Message}";
        }
        try
        {
            await session.Client.CheckHealthAsync(timeout.Token);
            return null;
        }
        catch (VaultException ex)
        {
            return $"Failed to call Vault health check: error calling Vault /v1/sys/health: {ex.Message}";
        }
    }

    /// <summary>Signs one request through Vault's PKI engine; a problem becomes the outcome cert-manager's Vault signer reports.</summary>
    public async Task<RequestOutcome> SignAsync(ObjectKey issuer, VaultIssuer spec, SignRequest request)
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        CsrInfo csr;
        try
        {
            csr = CsrBuilder.Parse(request.CsrPem);
        }
        catch (PkiException ex)
        {
            return Failed(CertificateRequestReasons.VaultSigningError, $"Vault failed to sign certificate: failed to decode CSR for signing: {ex.Message}");
        }
        Session session;
        string token;
        try
        {
            session = await OpenAsync(issuer, spec, timeout.Token);
            token = await session.TokenAsync();
        }
        catch (VaultSetupException ex) when (ex.SecretMissing)
        {
            return RequestOutcome.Pending(CertificateRequestReasons.VaultSecretMissing, $"Required secret resource not found: {ex.Message}");
        }
        catch (Exception ex) when (ex is VaultSetupException or VaultException)
        {
            return RequestOutcome.Pending(CertificateRequestReasons.VaultInitError, $"Failed to initialise vault client for signing: {ex.Message}");
        }
        var parameters = new VaultSignParameters(request.CsrPem, csr.CommonName, csr.DnsNames, csr.IpAddresses, csr.Uris, request.Duration);
        try
        {
            VaultSignedCertificate signed;
            try
            {
                signed = await session.Client.SignAsync(token, spec.Path, parameters, timeout.Token);
            }
            catch (VaultException ex) when (ex.StatusCode == 403 && session.CacheKey is { } cached)
            {
                // The cached login token may have been revoked: log in again once.
                _tokens.Forget(cached);
                signed = await session.Client.SignAsync(await session.TokenAsync(), spec.Path, parameters, timeout.Token);
            }
            var (chain, ca) = VaultCertificateBundle.Arrange(signed);
            return new RequestOutcome { State = RequestState.Issued, ChainPem = chain, CaPem = ca };
        }
        catch (Exception ex) when (ex is VaultException or PkiException)
        {
            return Failed(CertificateRequestReasons.VaultSigningError, $"Vault failed to sign certificate: failed to sign certificate by vault: {ex.Message}");
        }
    }

    private RequestOutcome Failed(string reason, string message) => new()
    {
        State = RequestState.Failed, Reason = reason, Message = message, FailureTime = clock.UtcNowInWholeSeconds(),
    };

    /// <summary>A client for the issuer's Vault and the way to its token; configuration and Secret problems are <see cref="VaultSetupException"/>s.</summary>
    private async Task<Session> OpenAsync(ObjectKey issuer, VaultIssuer spec, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(spec.Server) || string.IsNullOrWhiteSpace(spec.Path))
            throw new VaultSetupException($"{Field}.server and {Field}.path: Vault server and path are required fields");
        if (!Uri.TryCreate(spec.Server, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
            throw new VaultSetupException($"{Field}.server: \"{spec.Server}\" is not an http(s) URL, e.g. https://vault.example.com:8200");
        var auth = spec.Auth;
        var methods = new object?[] { auth.TokenSecretRef, auth.AppRole, auth.ClientCertificate, auth.Kubernetes, auth.Aws }.Count(m => m is not null);
        if (methods == 0)
            throw new VaultSetupException($"{Field}.auth: Vault tokenSecretRef, appRole, clientCertificate, or kubernetes is required");
        if (methods > 1)
            throw new VaultSetupException($"{Field}.auth: Multiple auth methods cannot be set on the same Vault issuer");
        if (auth.Aws is not null)
            throw new VaultSetupException($"{Field}.auth.aws: AWS IAM login is not supported by this CertFleet version; use kubernetes, appRole, clientCertificate or tokenSecretRef");
        if (spec.CaBundle is { Length: > 0 } && spec.CaBundleSecretRef is not null)
            throw new VaultSetupException($"{Field}.caBundle and {Field}.caBundleSecretRef: specify only one");

        var secretNamespace = IssuerScope.SecretNamespace(issuer, options.Value.ClusterResourceNamespace);
        var secrets = new SecretReads(reader, issuer.Cluster, secretNamespace, ct);
        var tls = new VaultTls
        {
            CaBundlePem = spec.CaBundle is { Length: > 0 } bundle
                ? Encoding.UTF8.GetString(bundle)
                : spec.CaBundleSecretRef is { } caRef ? await secrets.ValueAsync(caRef, "caBundleSecretRef", "ca.crt") : null,
            ClientCertificatePem = spec.ClientCertSecretRef is { } certRef ? await secrets.ValueAsync(certRef, "clientCertSecretRef", "tls.crt") : null,
            ClientKeyPem = spec.ClientKeySecretRef is { } keyRef ? await secrets.ValueAsync(keyRef, "clientKeySecretRef", "tls.key") : null,
            ServerName = spec.ServerName,
        };
        var client = new VaultClient(Http(tls), server, spec.Namespace);

        if (auth.TokenSecretRef is { } tokenRef)
        {
            var token = (await secrets.ValueAsync(tokenRef, "auth.tokenSecretRef", "token")).Trim();
            return new Session(client, null, () => Task.FromResult(token));
        }

        // The login token is cached under a digest of everything that decides the login.
        string CacheKey(params string?[] parts) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\0", new[] { issuer.ToGrainKey(), spec.Server, spec.Namespace, tls.Fingerprint() }.Concat(parts)))));
        string LoginFailed(VaultException ex) => $"error logging in to Vault server: {ex.Message}";
        Func<Task<string>> Login(string key, VaultClient via, string path, JsonObject body) => () => _tokens.GetAsync(key, async () =>
        {
            try
            {
                return await via.LoginAsync(path, body, ct);
            }
            catch (VaultException ex)
            {
                throw new VaultException(LoginFailed(ex), ex.StatusCode, ex);
            }
        });

        if (auth.AppRole is { } appRole)
        {
            if (string.IsNullOrWhiteSpace(appRole.RoleId) || string.IsNullOrEmpty(appRole.SecretRef.Name))
                throw new VaultSetupException($"{Field}.auth.appRole: Vault AppRole auth requires both roleId and secretRef.name");
            if (string.IsNullOrEmpty(appRole.SecretRef.Key))
                throw new VaultSetupException($"{Field}.auth.appRole.secretRef.key: Vault AppRole auth requires secretRef.key");
            var secretId = (await secrets.ValueAsync(appRole.SecretRef, "auth.appRole.secretRef", null)).Trim();
            var path = $"/v1/auth/{(string.IsNullOrWhiteSpace(appRole.Path) ? "approle" : appRole.Path.Trim('/'))}/login";
            var key = CacheKey("approle", path, appRole.RoleId.Trim(), Digest(secretId));
            return new Session(client, key, Login(key, client, path, new JsonObject { ["role_id"] = appRole.RoleId.Trim(), ["secret_id"] = secretId }));
        }

        if (auth.Kubernetes is { } kubernetes)
        {
            if (string.IsNullOrWhiteSpace(kubernetes.Role))
                throw new VaultSetupException($"{Field}.auth.kubernetes.role: Vault Kubernetes auth requires role");
            if (kubernetes.SecretRef is not null && kubernetes.ServiceAccountRef is not null)
                throw new VaultSetupException($"{Field}.auth.kubernetes: please supply one of: secretRef, serviceAccountRef");
            var path = MountPath(kubernetes.MountPath, "/v1/auth/kubernetes") + "/login";
            string key;
            Func<Task<string>> jwt;
            if (kubernetes.SecretRef is { } jwtRef)
            {
                var value = (await secrets.ValueAsync(jwtRef, "auth.kubernetes.secretRef", "token")).Trim();
                key = CacheKey("kubernetes", path, kubernetes.Role, Digest(value));
                jwt = () => Task.FromResult(value);
            }
            else if (kubernetes.ServiceAccountRef is { } account)
            {
                if (string.IsNullOrWhiteSpace(account.Name))
                    throw new VaultSetupException($"{Field}.auth.kubernetes.serviceAccountRef.name: Required value; name a ServiceAccount in namespace \"{secretNamespace}\"");
                // cert-manager's audience names the issuer: vault://<namespace>/<name>, or vault://<name> for a ClusterIssuer.
                var audiences = (account.Audiences ?? []).Append(issuer.IsClusterScoped ? $"vault://{issuer.Name}" : $"vault://{issuer.Namespace}/{issuer.Name}").ToList();
                key = CacheKey(["kubernetes", path, kubernetes.Role, "serviceaccount", account.Name, .. audiences]);
                jwt = () => ServiceAccountTokenAsync(new ObjectKey(issuer.Cluster, secretNamespace, account.Name), audiences, ct);
            }
            else
            {
                // Neither: the controller's own service account token, as a pod reads it (the guide's manifest relies on this).
                var clusterIssuer = issuer.IsClusterScoped;
                if (!(clusterIssuer ? options.Value.ClusterIssuerAmbientCredentials : options.Value.IssuerAmbientCredentials))
                    throw new VaultSetupException(
                        $"{Field}.auth.kubernetes: set secretRef or serviceAccountRef; {(clusterIssuer ? "a ClusterIssuer" : "an Issuer")} may not log in with the controller's own service account token unless CertFleet:Dns01:{(clusterIssuer ? "ClusterIssuerAmbientCredentials" : "IssuerAmbientCredentials")} allows ambient credentials");
                var file = options.Value.VaultServiceAccountTokenFile;
                key = CacheKey("kubernetes", path, kubernetes.Role, "ambient", file);
                jwt = () => AmbientTokenAsync(file, ct);
            }
            var role = kubernetes.Role;
            return new Session(client, key, () => _tokens.GetAsync(key, async () =>
            {
                var body = new JsonObject { ["role"] = role, ["jwt"] = await jwt() };
                try
                {
                    return await client.LoginAsync(path, body, ct);
                }
                catch (VaultException ex)
                {
                    throw new VaultException(LoginFailed(ex), ex.StatusCode, ex);
                }
            }));
        }

        var certificate = auth.ClientCertificate!;
        var loginTls = tls;
        if (certificate.SecretName is { Length: > 0 } secretName)
        {
            loginTls = tls with
            {
                ClientCertificatePem = await secrets.ValueAsync(new SecretKeySelector { Name = secretName, Key = "tls.crt" }, "auth.clientCertificate.secretName", null),
                ClientKeyPem = await secrets.ValueAsync(new SecretKeySelector { Name = secretName, Key = "tls.key" }, "auth.clientCertificate.secretName", null),
            };
        }
        else if (tls.ClientCertificatePem is null)
        {
            throw new VaultSetupException($"{Field}.auth.clientCertificate.secretName: Required value: name a kubernetes.io/tls Secret, or set {Field}.clientCertSecretRef and clientKeySecretRef");
        }
        var certPath = MountPath(certificate.MountPath, "/v1/auth/cert") + "/login";
        var certKey = CacheKey("cert", certPath, certificate.Name, loginTls.Fingerprint());
        var body = new JsonObject();
        if (certificate.Name is { Length: > 0 } name)
            body["name"] = name;
        return new Session(client, certKey, Login(certKey, new VaultClient(Http(loginTls), server, spec.Namespace), certPath, body));
    }

    private static string MountPath(string? configured, string fallback) =>
        "/" + (string.IsNullOrWhiteSpace(configured) ? fallback : configured).Trim().Trim('/');

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private async Task<string> ServiceAccountTokenAsync(ObjectKey account, IReadOnlyList<string> audiences, CancellationToken ct)
    {
        ServiceAccountToken? token;
        try
        {
            token = await reader.RequestServiceAccountTokenAsync(account, audiences, ServiceAccountTokenLifetime, ct);
        }
        catch (ClusterWriteException ex)
        {
            // Typically RBAC: the controller may not create serviceaccounts/token for that account.
            throw new VaultSetupException($"{Field}.auth.kubernetes.serviceAccountRef: while requesting a token: {ex.Message}");
        }
        return token?.Token ?? throw new VaultSetupException(
            $"{Field}.auth.kubernetes.serviceAccountRef.name: ServiceAccount \"{account.Namespace}/{account.Name}\" not found; an Issuer uses ServiceAccounts of its own namespace, a ClusterIssuer those of \"{options.Value.ClusterResourceNamespace}\"",
            secretMissing: true);
    }

    private static async Task<string> AmbientTokenAsync(string file, CancellationToken ct)
    {
        try
        {
            return (await File.ReadAllTextAsync(file, ct)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new VaultSetupException(
                $"{Field}.auth.kubernetes: no secretRef or serviceAccountRef, and the controller's own service account token ({file}) cannot be read: {ex.Message}");
        }
    }

    private HttpClient Http(VaultTls tls)
    {
        var key = tls.Fingerprint();
        if (_clients.TryGetValue(key, out var client))
            return client;
        SocketsHttpHandler handler;
        try
        {
            handler = tls.CreateHandler();
        }
        catch (ArgumentException ex)
        {
            throw new VaultSetupException($"{Field}.{ex.Message}");
        }
        if (_clients.Count >= MaxClients)
            _clients.Clear(); // configurations changed many times: the old clients finish their calls and are collected
        return _clients.GetOrAdd(key, _ => new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan });
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
            client.Dispose();
        _clients.Clear();
    }

    /// <summary>A client for one Vault and how to get its token; <see cref="CacheKey"/> is null for a token read from a Secret.</summary>
    private sealed record Session(VaultClient Client, string? CacheKey, Func<Task<string>> TokenAsync);

    /// <summary>Secret entries of the issuer's namespace, each failure naming the field.</summary>
    private sealed class SecretReads(IClusterReader reader, string cluster, string secretNamespace, CancellationToken ct)
    {
        public async Task<string> ValueAsync(SecretKeySelector selector, string field, string? defaultKey)
        {
            if (string.IsNullOrEmpty(selector.Name))
                throw new VaultSetupException($"{Field}.{field}.name: Required value; name the Secret that holds it");
            var key = string.IsNullOrEmpty(selector.Key) ? defaultKey : selector.Key;
            if (key is null)
                throw new VaultSetupException($"{Field}.{field}.key: Required value");
            SecretData? secret;
            try
            {
                secret = await reader.GetSecretAsync(new ObjectKey(cluster, secretNamespace, selector.Name), ct);
            }
            catch (ClusterWriteException ex)
            {
                throw new VaultSetupException($"{Field}.{field}: reading Secret \"{secretNamespace}/{selector.Name}\": {ex.Message}");
            }
            if (secret is null)
                throw new VaultSetupException($"{Field}.{field}: secret \"{selector.Name}\" not found in namespace \"{secretNamespace}\"", secretMissing: true);
            return secret.GetString(key)
                   ?? throw new VaultSetupException($"{Field}.{field}: no data for \"{key}\" in secret '{secretNamespace}/{selector.Name}'");
        }
    }
}

/// <summary>A Vault issuer's configuration or credentials are unusable; the message names the field and the fix.</summary>
public sealed class VaultSetupException(string message, bool secretMissing = false) : Exception(message)
{
    public bool SecretMissing { get; } = secretMissing;
}
