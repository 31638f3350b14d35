using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Dns01;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.Acme;

/// <summary>
/// Builds the DNS-01 provider a solver names, with credentials read from Secrets: an Issuer's from its own namespace,
/// a ClusterIssuer's from the cluster-resource namespace. A missing Secret or key is a <see cref="Dns01ProviderException"/>
/// naming the field, shown on the Challenge and retried, never a crash.
/// </summary>
public sealed class Dns01Providers(
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    AzureAmbientIdentity? ambient = null,
    IDns01WebhookSolvers? webhooks = null,
    Dns01PropagationCheck? dns = null) : IDisposable
{
    private const string Field = "spec.acme.solvers[].dns01";
    private const string StsAudience = "sts.amazonaws.com";
    // cert-manager asks for ten-minute tokens: long enough for one AssumeRoleWithWebIdentity, and the API's minimum.
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);
    // One connection pool for every provider built here: providers are made per call and must not each open their own.
    // No redirects and no decompression: the providers read answers through BoundedBody, which decodes within its limit.
    private readonly SocketsHttpHandler _handler = new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };
    private HttpClient? _http;
    // Google credentials by key (hashed): each caches its OAuth token until shortly before it expires, which a
    // credential made per call would not. Bounded, as tenants may change keys.
    private readonly ConcurrentDictionary<string, GoogleTokenAccess> _googleServiceAccounts = new();
    private const int MaxGoogleServiceAccounts = 256;
    private readonly GoogleTokenAccess _ambientGoogle = new(CloudDnsCredentials.AmbientAsync);

    private HttpClient Http => _http ??= new HttpClient(_handler, disposeHandler: false);

    /// <param name="dnsName">The Challenge's dnsName, which webhook solvers are sent with each request.</param>
    public Task<IDns01Provider> CreateAsync(AcmeIssuerContext issuer, AcmeDns01Solver solver, string dnsName = "", CancellationToken ct = default) =>
        CreateAsync(issuer.Issuer, issuer.IssuerKind, solver, dnsName, checkOnly: false, ct);

    /// <summary>
    /// What keeps a solver from being built (unsupported, a field missing or wrong, a Secret or key missing), or null when
    /// it can be: it reads the Secrets as a build does, but calls no provider and requests no service account token.
    /// </summary>
    /// <param name="issuerKind">"Issuer" or "ClusterIssuer".</param>
    public async Task<string?> ProblemAsync(ObjectKey issuer, string issuerKind, AcmeDns01Solver solver, CancellationToken ct = default)
    {
        try
        {
            (await CreateAsync(issuer, issuerKind, solver, dnsName: "", checkOnly: true, ct) as IDisposable)?.Dispose();
            return null;
        }
        catch (Dns01ProviderException ex)
        {
            return ex.Message;
        }
    }

    private async Task<IDns01Provider> CreateAsync(ObjectKey issuer, string issuerKind, AcmeDns01Solver solver, string dnsName, bool checkOnly,
        CancellationToken ct)
    {
        try
        {
            return await BuildAsync(issuer, issuerKind, solver, dnsName, checkOnly, ct);
        }
        catch (ArgumentException ex)
        {
            // The providers check their settings on construction; the message names the solver field.
            throw new Dns01ProviderException(ex.Message, ex);
        }
    }

    /// <summary>The nameservers DNS-01 lookups of this solver ask: its own, else the controller's recursive ones, else none (the system's).</summary>
    public List<string> NameserversOf(AcmeDns01Solver solver) =>
        solver.Nameservers is { Count: > 0 } own ? own : options.Value.Dns01RecursiveNameservers;

    private async Task<IDns01Provider> BuildAsync(ObjectKey issuer, string issuerKind, AcmeDns01Solver solver, string dnsName, bool checkOnly,
        CancellationToken ct)
    {
        var secretNamespace = Issuance.IssuerScope.SecretNamespace(issuer, options.Value.ClusterResourceNamespace);
        async Task<string> SecretValueAsync(SecretKeySelector? selector, string field, string defaultKey)
        {
            if (selector is null || string.IsNullOrEmpty(selector.Name))
                throw new Dns01ProviderException($"{Field}.{field}: Required value; name the Secret that holds it");
            var key = string.IsNullOrEmpty(selector.Key) ? defaultKey : selector.Key;
            var secret = await reader.GetSecretAsync(new ObjectKey(issuer.Cluster, secretNamespace, selector.Name), ct);
            return secret?.GetString(key)?.Trim() ?? throw new Dns01ProviderException(
                $"{Field}.{field}: Secret \"{secretNamespace}/{selector.Name}\" {(secret is null ? "not found" : $"has no key \"{key}\"")}");
        }

        if (solver.Webhook is { } webhook)
        {
            if (string.IsNullOrEmpty(webhook.GroupName))
                throw new Dns01ProviderException($"{Field}.webhook.groupName: Required value: the API group the webhook's APIService serves");
            if (string.IsNullOrEmpty(webhook.SolverName))
                throw new Dns01ProviderException($"{Field}.webhook.solverName: Required value: the solver's name within group \"{webhook.GroupName}\"");
            if (webhooks is null || dns is null)
                throw new Dns01ProviderException($"{Field}.webhook: webhook solvers are not available in this process");
            return new WebhookDns01Provider(webhooks, dns, issuer.Cluster,
                new WebhookDns01Request(webhook.GroupName, webhook.SolverName, dnsName, secretNamespace, AmbientAllowed(issuerKind), webhook.Config),
                NameserversOf(solver));
        }

        if (solver.Rfc2136 is { } rfc2136)
            return new Rfc2136Provider(new Rfc2136Settings
            {
                Nameserver = rfc2136.Nameserver,
                TsigKeyName = rfc2136.TsigKeyName,
                TsigSecret = rfc2136.TsigKeyName is { Length: > 0 }
                    ? Base64(await SecretValueAsync(rfc2136.TsigSecretSecretRef, "rfc2136.tsigSecretSecretRef", "tsig-secret-key"), "rfc2136.tsigSecretSecretRef")
                    : null,
                TsigAlgorithm = rfc2136.TsigAlgorithm,
                Protocol = rfc2136.Protocol,
            });

        if (solver.Cloudflare is { } cloudflare)
            return cloudflare.ApiTokenSecretRef is not null
                ? new CloudflareProvider(new CloudflareSettings
                {
                    ApiToken = await SecretValueAsync(cloudflare.ApiTokenSecretRef, "cloudflare.apiTokenSecretRef", "api-token"),
                    BaseUrl = options.Value.CloudflareApiUrl ?? CloudflareSettings.DefaultBaseUrl,
                }, _handler)
                : new CloudflareProvider(new CloudflareSettings
                {
                    Email = cloudflare.Email,
                    ApiKey = await SecretValueAsync(cloudflare.ApiKeySecretRef, "cloudflare.apiKeySecretRef", "api-key"),
                    BaseUrl = options.Value.CloudflareApiUrl ?? CloudflareSettings.DefaultBaseUrl,
                }, _handler);

        if (solver.Route53 is { } route53)
        {
            var serviceAccount = route53.Auth?.Kubernetes.ServiceAccountRef;
            const string serviceAccountField = "route53.auth.kubernetes.serviceAccountRef";
            if (serviceAccount is not null)
            {
                if (route53.AccessKeyId is { Length: > 0 } || route53.AccessKeyIdSecretRef is not null || route53.SecretAccessKeySecretRef is not null)
                    throw new Dns01ProviderException($"{Field}.{serviceAccountField}: Forbidden: use either the service account or accessKeyID/secretAccessKeySecretRef, not both");
                if (route53.Role is not { Length: > 0 })
                    throw new Dns01ProviderException($"{Field}.route53.role: Required value: {serviceAccountField} needs the ARN of the IAM role to assume");
                if (string.IsNullOrEmpty(serviceAccount.Name))
                    throw new Dns01ProviderException($"{Field}.{serviceAccountField}.name: Required value; name a ServiceAccount in namespace \"{secretNamespace}\"");
            }
            else if (route53.SecretAccessKeySecretRef is null)
            {
                // Half a key pair must not quietly become the controller's own credentials.
                if (route53.AccessKeyId is { Length: > 0 } || route53.AccessKeyIdSecretRef is not null)
                    throw new Dns01ProviderException($"{Field}.route53.secretAccessKeySecretRef: Required value: accessKeyID and accessKeyIDSecretRef need the secret access key");
                RefuseAmbientUnlessAllowed(issuerKind, "route53", "AWS credentials (environment, web identity token file, instance metadata)",
                    "accessKeyIDSecretRef (or accessKeyID) with secretAccessKeySecretRef, or auth.kubernetes.serviceAccountRef with role");
            }
            AwsCredentials? credentials = null;
            if (route53.SecretAccessKeySecretRef is not null)
            {
                var accessKeyId = route53.AccessKeyId is { Length: > 0 } id
                    ? id
                    : await SecretValueAsync(route53.AccessKeyIdSecretRef, "route53.accessKeyIDSecretRef", "access-key-id");
                credentials = new AwsCredentials(accessKeyId,
                    await SecretValueAsync(route53.SecretAccessKeySecretRef, "route53.secretAccessKeySecretRef", "secret-access-key"));
            }
            // A check mints no token: a token is a credential, asked for only when it is used.
            var webIdentityToken = serviceAccount is null || checkOnly
                ? null
                : await ServiceAccountTokenAsync(issuer.Cluster, secretNamespace, serviceAccount, serviceAccountField, ct);
            return new Route53Provider(new Route53Settings
            {
                Region = route53.Region ?? "us-east-1",
                Credentials = credentials, // null: AWSSDK.Core's default chain (environment, web identity, ...)
                HostedZoneId = route53.HostedZoneId,
                Role = route53.Role,
                WebIdentityToken = webIdentityToken,
                Endpoint = options.Value.Route53Endpoint is { Length: > 0 } endpoint ? new Uri(endpoint) : null,
                StsEndpoint = options.Value.StsEndpoint is { Length: > 0 } sts ? new Uri(sts) : null,
            }, Http);
        }

        if (solver.AzureDns is { } azure)
        {
            var environment = azure.Environment switch
            {
                null or "" or "AzurePublicCloud" => AzureDnsEnvironment.AzurePublicCloud,
                "AzureUSGovernmentCloud" => AzureDnsEnvironment.AzureUSGovernmentCloud,
                "AzureChinaCloud" => AzureDnsEnvironment.AzureChinaCloud,
                var other => throw new Dns01ProviderException(
                    $"{Field}.azureDNS.environment: Unsupported value: \"{other}\": supported values: \"AzurePublicCloud\", \"AzureUSGovernmentCloud\", \"AzureChinaCloud\""),
            };
            if (azure.ClientSecretSecretRef is null)
                RefuseAmbientUnlessAllowed(issuerKind, "azureDNS", "Azure identity (managed identity, workload identity)",
                    "clientID, tenantID and clientSecretSecretRef");
            var clientSecret = azure.ClientSecretSecretRef is null
                ? null
                : await SecretValueAsync(azure.ClientSecretSecretRef, "azureDNS.clientSecretSecretRef", "client-secret");
            return new AzureDnsProvider(new AzureDnsSettings
            {
                SubscriptionId = azure.SubscriptionId,
                ResourceGroupName = azure.ResourceGroupName,
                HostedZoneName = azure.HostedZoneName ?? throw new Dns01ProviderException($"{Field}.azureDNS.hostedZoneName: Required value"),
                ZoneType = azure.ZoneType == "AzurePrivateZone" ? AzureDnsZoneType.AzurePrivateZone : AzureDnsZoneType.AzurePublicZone,
                Environment = environment,
                Credential = AzureDnsCredentials.Create(new AzureDnsIdentity
                {
                    ClientId = azure.ClientId,
                    ClientSecret = clientSecret,
                    TenantId = azure.TenantId,
                    ManagedIdentityClientId = azure.ManagedIdentity?.ClientId,
                    ManagedIdentityResourceId = azure.ManagedIdentity?.ResourceId,
                    ManagedIdentityTenantId = azure.ManagedIdentity?.TenantId,
                    Environment = environment,
                }, ambient, options.Value.AzureAuthorityHost is { Length: > 0 } authority ? new Uri(authority) : null, Http),
                ArmEndpoint = options.Value.AzureArmEndpoint is { Length: > 0 } arm ? new Uri(arm) : null,
            }, Http);
        }

        if (solver.CloudDns is { } cloudDns)
        {
            GoogleTokenAccess credential;
            if (cloudDns.ServiceAccountSecretRef is null)
            {
                RefuseAmbientUnlessAllowed(issuerKind, "cloudDNS", "Google credentials (workload identity, metadata server, GOOGLE_APPLICATION_CREDENTIALS)",
                    "serviceAccountSecretRef");
                credential = _ambientGoogle;
            }
            else
            {
                const string keyField = "cloudDNS.serviceAccountSecretRef";
                credential = GoogleServiceAccount(await SecretValueAsync(cloudDns.ServiceAccountSecretRef, keyField, "key.json"), $"{Field}.{keyField}");
            }
            return new CloudDnsProvider(new CloudDnsSettings
            {
                Project = cloudDns.Project,
                HostedZoneName = cloudDns.HostedZoneName,
                Credential = credential,
                BaseUrl = options.Value.CloudDnsApiUrl ?? CloudDnsSettings.DefaultBaseUrl,
            }, Http);
        }

        if (solver.Digitalocean is { } digitalocean)
            return new DigitalOceanProvider(new DigitalOceanSettings
            {
                Token = await SecretValueAsync(digitalocean.TokenSecretRef, "digitalocean.tokenSecretRef", "access-token"),
                BaseUrl = options.Value.DigitalOceanApiUrl ?? DigitalOceanSettings.DefaultBaseUrl,
            }, Http);

        if (solver.AcmeDns is { } acmeDns)
        {
            if (!Uri.TryCreate(acmeDns.Host, UriKind.Absolute, out var host))
                throw new Dns01ProviderException($"{Field}.acmeDNS.host: \"{acmeDns.Host}\" is not a URL; set the acme-dns server's URL, e.g. https://auth.acme-dns.io");
            return new AcmeDnsProvider(new AcmeDnsSettings
            {
                Host = host,
                Accounts = AcmeDnsSettings.ParseAccounts(await SecretValueAsync(acmeDns.AccountSecretRef, "acmeDNS.accountSecretRef", "acmedns.json")),
            }, Http);
        }

        if (solver.Akamai is { } akamai)
            return new AkamaiProvider(new AkamaiSettings
            {
                ServiceConsumerDomain = akamai.ServiceConsumerDomain,
                Credentials = new AkamaiCredentials(
                    await SecretValueAsync(akamai.ClientTokenSecretRef, "akamai.clientTokenSecretRef", "client-token"),
                    await SecretValueAsync(akamai.ClientSecretSecretRef, "akamai.clientSecretSecretRef", "client-secret"),
                    await SecretValueAsync(akamai.AccessTokenSecretRef, "akamai.accessTokenSecretRef", "access-token")),
                Endpoint = options.Value.AkamaiEndpoint is { Length: > 0 } akamaiEndpoint ? new Uri(akamaiEndpoint) : null,
            }, Http);

        throw new Dns01ProviderException(
            $"{Field}: no provider is configured; set one of rfc2136, cloudflare, route53, azureDNS, cloudDNS, digitalocean, acmeDNS, akamai or webhook");
    }

    /// <summary>
    /// cert-manager's ambient-credentials rule: the controller's own cloud identity serves ClusterIssuers by default and
    /// namespaced Issuers only when the operator allows it, so a namespace cannot borrow what the controller may do.
    /// </summary>
    private void RefuseAmbientUnlessAllowed(string issuerKind, string provider, string identity, string explicitFields)
    {
        if (AmbientAllowed(issuerKind))
            return;
        var (who, option, flag) = issuerKind == "ClusterIssuer"
            ? ("a ClusterIssuer", "ClusterIssuerAmbientCredentials", "cluster-issuer-ambient-credentials")
            : ("an Issuer", "IssuerAmbientCredentials", "issuer-ambient-credentials");
        throw new Dns01ProviderException(
            $"{Field}.{provider}: {who} may not use the controller's ambient {identity}; set {explicitFields}, or enable CertFleet:Dns01:{option} (cert-manager's --{flag})");
    }

    /// <summary>Whether the controller's ambient credentials may serve this issuer: a ClusterIssuer by default, an Issuer only when allowed.</summary>
    private bool AmbientAllowed(string issuerKind) => issuerKind == "ClusterIssuer"
        ? options.Value.ClusterIssuerAmbientCredentials
        : options.Value.IssuerAmbientCredentials;

    /// <summary>
    /// cert-manager's Route53 web identity: a token of the issuer's ServiceAccount (same namespace rules as Secrets)
    /// for the given audiences, sts.amazonaws.com when none are named, valid for ten minutes.
    /// </summary>
    private async Task<string> ServiceAccountTokenAsync(string cluster, string ns, ServiceAccountRef serviceAccount, string field, CancellationToken ct)
    {
        var audiences = serviceAccount.Audiences is { Count: > 0 } named ? named : [StsAudience];
        ServiceAccountToken? token;
        try
        {
            token = await reader.RequestServiceAccountTokenAsync(new ObjectKey(cluster, ns, serviceAccount.Name), audiences, TokenLifetime, ct);
        }
        catch (ClusterWriteException ex)
        {
            // Typically RBAC: the controller may not create serviceaccounts/token for that account.
            throw new Dns01ProviderException($"{Field}.{field}: {ex.Message}", ex);
        }
        return token?.Token ?? throw new Dns01ProviderException(
            $"{Field}.{field}.name: ServiceAccount \"{ns}/{serviceAccount.Name}\" not found; an Issuer uses ServiceAccounts of its own namespace, a ClusterIssuer those of \"{options.Value.ClusterResourceNamespace}\"");
    }

    private GoogleTokenAccess GoogleServiceAccount(string json, string field)
    {
        var id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
        if (_googleServiceAccounts.TryGetValue(id, out var known))
            return known;
        var credential = CloudDnsCredentials.FromServiceAccountKey(json, field);
        if (_googleServiceAccounts.Count >= MaxGoogleServiceAccounts)
            _googleServiceAccounts.Clear();
        return _googleServiceAccounts.GetOrAdd(id, new GoogleTokenAccess(_ => Task.FromResult(credential)));
    }

    private static byte[] Base64(string value, string field)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new Dns01ProviderException($"{Field}.{field}: the TSIG secret is not base64");
        }
    }

    public void Dispose()
    {
        _http?.Dispose();
        _handler.Dispose();
    }
}
