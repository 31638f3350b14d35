using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Providers.Http;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Acme;

/// <summary>
/// An RFC 8555 client for one ACME server and one account. Every method is a single round trip (plus nonce and
/// badNonce retries), bounded by <see cref="AcmeClientOptions.RequestTimeout"/>; callers poll from timers.
/// Thread-safe: one instance may serve many concurrent callers. Keys passed in stay owned by the caller.
/// </summary>
public sealed class AcmeClient : IDisposable
{
    private const string PemChainMediaType = "application/pem-certificate-chain";
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);
    // Polling hints above this are CA misbehaviour (ZeroSSL sends a day while processing); the caller keeps a deadline.
    private static readonly TimeSpan MaxPollRetryAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxErrorRetryAfter = TimeSpan.FromDays(1);

    /// <summary>Decoded bytes read from any ACME answer but a certificate chain: directories, orders, problems.</summary>
    public const int MaxJsonBytes = BoundedBody.DefaultLimit;

    /// <summary>Decoded bytes read from a certificate chain download: a PEM chain of a few certificates is under 20 KiB.</summary>
    public const int MaxChainBytes = 4 * 1024 * 1024;

    private readonly AcmeClientOptions _options;
    private readonly HttpClient _http;
    private readonly NoncePool _nonces = new();
    private volatile AcmeAccountKey _accountKey;
    private volatile string? _accountUrl;
    private volatile AcmeDirectory? _directory;

    public AcmeClient(AcmeClientOptions options, AcmeAccountKey accountKey, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(accountKey);
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "RequestTimeout must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.BadNonceRetries, nameof(options));
        ArgumentNullException.ThrowIfNull(options.NewOrderTurns, nameof(options));
        _options = options;
        _accountKey = accountKey;
        // Our own timeout per exchange replaces HttpClient's, so it also covers reading the body.
        _http = new HttpClient(handler ?? CreateHandler(options), disposeHandler: handler is null) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The account URL (the JWS <c>kid</c>): set by <see cref="RegisterAccountAsync"/> or restored from stored state.</summary>
    public string? AccountUrl
    {
        get => _accountUrl;
        set => _accountUrl = value;
    }

    /// <summary>The key currently signing requests; changes after <see cref="RolloverKeyAsync"/>.</summary>
    public AcmeAccountKey AccountKey => _accountKey;

    /// <summary>Fetches the directory once; later calls return the cached copy.</summary>
    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken ct = default)
    {
        if (_directory is { } cached)
        {
            return cached;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, _options.DirectoryUrl);
        request.Headers.Accept.ParseAdd("application/json");
        var response = await SendAsync(AcmeActions.Discover, request, ct).ConfigureAwait(false);
        if (response.StatusCode >= 400)
        {
            throw Failure(AcmeActions.Discover, response, AcmeProblem.Parse(response.Body, response.StatusCode));
        }
        var directory = Parse(AcmeActions.Discover, response, AcmeDirectory.FromJson);
        _directory = directory;
        return directory;
    }

    /// <summary>newAccount, signed with the account key's <c>jwk</c>. Sets <see cref="AccountUrl"/> from Location.</summary>
    public async Task<AcmeAccount> RegisterAccountAsync(AcmeAccountRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var newAccountUrl = directory.NewAccount.OriginalString;
        var payload = new JsonObject();
        if (request.Contact.Count > 0)
        {
            payload["contact"] = ContactArray(request.Contact);
        }
        if (request.TermsOfServiceAgreed)
        {
            payload["termsOfServiceAgreed"] = true;
        }
        if (request.OnlyReturnExisting)
        {
            payload["onlyReturnExisting"] = true;
        }
        if (request.ExternalAccountBinding is { } binding)
        {
            payload["externalAccountBinding"] = JsonNode.Parse(binding.CreateJws(_accountKey.Jwk, newAccountUrl));
        }
        var response = await PostAsync(AcmeActions.RegisterAccount, newAccountUrl, payload.ToJsonString(), ct, embedKey: true).ConfigureAwait(false);
        var accountUrl = response.Location ?? throw Malformed(AcmeActions.RegisterAccount, "an account reply without a Location header");
        _accountUrl = accountUrl;
        return Parse(AcmeActions.RegisterAccount, response, json => AcmeAccount.FromJson(json, accountUrl));
    }

    /// <summary>Reads the account (POST-as-GET on <see cref="AccountUrl"/>).</summary>
    public Task<AcmeAccount> GetAccountAsync(CancellationToken ct = default) =>
        PostToAccountAsync(AcmeActions.GetRegistration, "", ct);

    /// <summary>Replaces the account's contacts; bare addresses get <c>mailto:</c>.</summary>
    public Task<AcmeAccount> UpdateAccountAsync(IReadOnlyList<string> contact, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return PostToAccountAsync(AcmeActions.UpdateRegistration, new JsonObject { ["contact"] = ContactArray(contact) }.ToJsonString(), ct);
    }

    /// <summary>Deactivates the account for good; the CA refuses its key afterwards.</summary>
    public Task DeactivateAccountAsync(CancellationToken ct = default) =>
        PostToAccountAsync(AcmeActions.UpdateRegistration, """{"status":"deactivated"}""", ct);

    /// <summary>
    /// Replaces the account key (RFC 8555 §7.3.5): the inner JWS is signed by <paramref name="newKey"/>, the outer by
    /// the current key. From success on, this client signs with <paramref name="newKey"/>; store it first.
    /// </summary>
    public async Task RolloverKeyAsync(AcmeAccountKey newKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(newKey);
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var keyChangeUrl = directory.KeyChange?.OriginalString
            ?? throw new AcmeException("The ACME server does not support key rollover (its directory has no keyChange)", null, 0, null, AcmeActions.UpdateRegistration);
        var oldKey = _accountKey;
        var inner = JsonWebSignature.Create(newKey, keyChangeUrl, nonce: null, keyId: null, new JsonObject
        {
            ["account"] = RequireAccountUrl(),
            ["oldKey"] = JsonNode.Parse(oldKey.Jwk.CanonicalJson),
        }.ToJsonString());
        await PostAsync(AcmeActions.UpdateRegistration, keyChangeUrl, inner, ct, signer: oldKey).ConfigureAwait(false);
        _accountKey = newKey;
    }

    /// <summary>
    /// newOrder. <paramref name="profile"/> and <paramref name="replaces"/> (an ARI CertID) are sent only when given;
    /// send them only when the directory advertises profiles / renewalInfo, since some servers ignore them silently.
    /// </summary>
    public async Task<AcmeOrder> NewOrderAsync(IReadOnlyList<AcmeIdentifier> identifiers, string? profile = null, string? replaces = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        if (identifiers.Count == 0)
        {
            throw new ArgumentException("an order needs at least one identifier", nameof(identifiers));
        }
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var payload = new JsonObject
        {
            ["identifiers"] = new JsonArray(identifiers.Select(i => (JsonNode)new JsonObject { ["type"] = i.Type, ["value"] = i.Value }).ToArray()),
        };
        if (profile is not null)
        {
            payload["profile"] = profile;
        }
        if (replaces is not null)
        {
            payload["replaces"] = replaces;
        }
        // The wait for a turn is kept short so that it and the exchange stay within a grain call; a caller that gets
        // no turn comes back later, which is not a failure.
        var turns = _options.NewOrderTurns;
        var turnWait = _options.RequestTimeout / 3;
        if (!await turns.TakeAsync(turnWait, ct).ConfigureAwait(false))
        {
            throw new AcmeException($"The ACME server {directory.NewOrder.Authority} was still busy with earlier new orders " +
                                    $"(at most {turns.InFlight} at once) after {turnWait.TotalSeconds:0.#} s, so this one was not sent",
                null, 0, null, AcmeActions.AuthorizeOrder) { NotSent = true };
        }
        AcmeResponse response;
        try
        {
            response = await PostAsync(AcmeActions.AuthorizeOrder, directory.NewOrder.OriginalString, payload.ToJsonString(), ct).ConfigureAwait(false);
        }
        finally
        {
            turns.Give();
        }
        var orderUrl = response.Location ?? throw Malformed(AcmeActions.AuthorizeOrder, "an order reply without a Location header");
        return Parse(AcmeActions.AuthorizeOrder, response, json => AcmeOrder.FromJson(json, orderUrl, PollingHint(response)));
    }

    /// <summary>
    /// Fetches the CA's suggested renewal window for a certificate (RFC 9773): an unauthenticated GET of
    /// <c>{renewalInfo}/{certId}</c>. Fails when the directory has no <c>renewalInfo</c> or the window is malformed.
    /// </summary>
    public async Task<AcmeRenewalWindow> GetRenewalInfoAsync(string certId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(certId);
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var renewalInfo = directory.RenewalInfo
            ?? throw new AcmeException("The ACME server does not offer renewal information (its directory has no renewalInfo)", null, 0, null, AcmeActions.GetRenewalInfo);
        using var request = new HttpRequestMessage(HttpMethod.Get, renewalInfo.AbsoluteUri.TrimEnd('/') + "/" + certId);
        request.Headers.Accept.ParseAdd("application/json");
        var response = await SendAsync(AcmeActions.GetRenewalInfo, request, ct).ConfigureAwait(false);
        if (response.StatusCode >= 400)
        {
            throw Failure(AcmeActions.GetRenewalInfo, response, AcmeProblem.Parse(response.Body, response.StatusCode));
        }
        var retryAfter = RetryAfterHeader.Parse(response.Headers, DateTimeOffset.UtcNow, _options.RenewalInfoMinRetryAfter, AcmeRenewalWindow.MaxRetryAfter)
                         ?? (AcmeRenewalWindow.DefaultRetryAfter > _options.RenewalInfoMinRetryAfter ? AcmeRenewalWindow.DefaultRetryAfter : _options.RenewalInfoMinRetryAfter);
        return Parse(AcmeActions.GetRenewalInfo, response, json => AcmeRenewalWindow.FromJson(json, retryAfter));
    }

    /// <summary>Reads an order (POST-as-GET); poll this until it leaves pending/processing.</summary>
    public async Task<AcmeOrder> GetOrderAsync(string orderUrl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderUrl);
        var response = await PostAsync(AcmeActions.GetOrder, orderUrl, "", ct).ConfigureAwait(false);
        return Parse(AcmeActions.GetOrder, response, json => AcmeOrder.FromJson(json, orderUrl, PollingHint(response)));
    }

    /// <summary>
    /// One page of the account's orders list (RFC 8555 §7.1.2.1, POST-as-GET on the account's <c>orders</c> URL): the
    /// order URLs and the next page's URL (<c>Link rel="next"</c>), null on the last page. Not every CA serves it
    /// (Let's Encrypt does not); Pebble does.
    /// </summary>
    public async Task<(IReadOnlyList<string> Orders, string? Next)> ListOrdersAsync(string ordersUrl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ordersUrl);
        var response = await PostAsync(AcmeActions.ListOrders, ordersUrl, "", ct).ConfigureAwait(false);
        var orders = Parse(AcmeActions.ListOrders, response, json => AcmeJson.Strings(json, "orders"));
        var next = LinkHeader.Parse(response.Headers, response.RequestUri).FirstOrDefault(l => l.Rel == "next").Url;
        return (orders, next);
    }

    /// <summary>Reads an authorization (POST-as-GET); after accepting a challenge, poll this, not the challenge.</summary>
    public async Task<AcmeAuthorization> GetAuthorizationAsync(string authorizationUrl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(authorizationUrl);
        var response = await PostAsync(AcmeActions.GetAuthorization, authorizationUrl, "", ct).ConfigureAwait(false);
        return Parse(AcmeActions.GetAuthorization, response, json => AcmeAuthorization.FromJson(json, authorizationUrl, PollingHint(response)));
    }

    /// <summary>Tells the CA the challenge response is in place (POST <c>{}</c>).</summary>
    public async Task<AcmeChallenge> AcceptChallengeAsync(string challengeUrl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(challengeUrl);
        var response = await PostAsync(AcmeActions.AcceptChallenge, challengeUrl, "{}", ct).ConfigureAwait(false);
        return Parse(AcmeActions.AcceptChallenge, response, AcmeChallenge.FromJson);
    }

    /// <summary>
    /// Finalizes a <c>ready</c> order with a DER CSR whose SANs must equal the order's identifiers (checked here,
    /// before the CA spends a request on it). The reply is usually <c>processing</c>: poll <see cref="AcmeOrder.Url"/>.
    /// </summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(csrDer);
        RequireCsrMatchesOrder(order, CsrBuilder.RequestedNames(csrDer));
        var payload = new JsonObject { ["csr"] = Base64Url.EncodeToString(csrDer) }.ToJsonString();
        var response = await PostAsync(AcmeActions.CreateOrderCert, order.FinalizeUrl, payload, ct).ConfigureAwait(false);
        return Parse(AcmeActions.CreateOrderCert, response, json => AcmeOrder.FromJson(json, order.Url, PollingHint(response)));
    }

    /// <summary>
    /// Downloads the certificate chain. With <paramref name="preferredChain"/>, returns the first chain (default,
    /// then each <c>Link rel="alternate"</c>) whose top certificate's issuer CN equals it; otherwise the default.
    /// </summary>
    public async Task<AcmeCertificateChain> DownloadCertificateAsync(string certificateUrl, string? preferredChain = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificateUrl);
        var chain = await DownloadChainAsync(certificateUrl, ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(preferredChain) || chain.IssuerCommonName == preferredChain)
        {
            return chain;
        }
        foreach (var alternateUrl in chain.AlternateUrls)
        {
            var alternate = await DownloadChainAsync(alternateUrl, ct).ConfigureAwait(false);
            if (alternate.IssuerCommonName == preferredChain)
            {
                return alternate with { AlternateUrls = chain.AlternateUrls };
            }
        }
        return chain;
    }

    /// <summary>revokeCert signed by the account (<c>kid</c>); <paramref name="reason"/> is an RFC 5280 code (0, 1, 3, 4, 5).</summary>
    public async Task RevokeCertificateAsync(byte[] certificateDer, int? reason = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var payload = new JsonObject { ["certificate"] = Base64Url.EncodeToString(certificateDer) };
        if (reason is { } code)
        {
            payload["reason"] = code;
        }
        await PostAsync(AcmeActions.RevokeCert, directory.RevokeCert.OriginalString, payload.ToJsonString(), ct).ConfigureAwait(false);
    }

    /// <summary>The HTTP-01 response body: <c>token.thumbprint</c>.</summary>
    public string KeyAuthorization(string token) => token + "." + _accountKey.Thumbprint;

    /// <summary>The DNS-01 TXT value: base64url(SHA-256(key authorization)), 43 characters.</summary>
    public string Dns01TxtValue(string token) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(KeyAuthorization(token))));

    public void Dispose() => _http.Dispose();

    private async Task<AcmeAccount> PostToAccountAsync(string action, string payload, CancellationToken ct)
    {
        var accountUrl = RequireAccountUrl();
        var response = await PostAsync(action, accountUrl, payload, ct).ConfigureAwait(false);
        return Parse(action, response, json => AcmeAccount.FromJson(json, accountUrl));
    }

    private async Task<AcmeCertificateChain> DownloadChainAsync(string url, CancellationToken ct)
    {
        var response = await PostAsync(AcmeActions.FetchCert, url, "", ct, accept: PemChainMediaType).ConfigureAwait(false);
        var alternates = LinkHeader.Parse(response.Headers, response.RequestUri)
            .Where(link => link.Rel == "alternate")
            .Select(link => link.Url)
            .ToArray();
        try
        {
            PemBundle.Certificates(response.Body, "ACME certificate chain");
        }
        catch (PkiException e)
        {
            throw Malformed(AcmeActions.FetchCert, "a certificate download that is not a PEM chain (" + e.Message + ")");
        }
        return new AcmeCertificateChain(response.Body, alternates);
    }

    /// <summary>A signed POST with nonce handling: a badNonce error is retried at once, up to <see cref="AcmeClientOptions.BadNonceRetries"/> times.</summary>
    private async Task<AcmeResponse> PostAsync(
        string action, string url, string payload, CancellationToken ct, bool embedKey = false, AcmeAccountKey? signer = null, string? accept = null)
    {
        var key = signer ?? _accountKey;
        var keyId = embedKey ? null : RequireAccountUrl();
        for (var attempt = 0; ; attempt++)
        {
            var nonce = await TakeNonceAsync(action, ct).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonWebSignature.Create(key, url, nonce, keyId, payload))),
            };
            // Exactly application/jose+json: servers compare it literally and answer 415 to a charset parameter.
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonWebSignature.ContentType);
            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }
            var response = await SendAsync(action, request, ct).ConfigureAwait(false);
            if (response.StatusCode < 400)
            {
                return response;
            }
            var problem = AcmeProblem.Parse(response.Body, response.StatusCode);
            // The error response carried a fresh nonce, already pooled by SendAsync.
            if (problem.ShortType != "badNonce" || attempt >= _options.BadNonceRetries)
            {
                throw Failure(action, response, problem);
            }
        }
    }

    /// <summary>
    /// A pooled nonce, else one from HEAD newNonce. The HEAD is reported under the <paramref name="action"/> that needs
    /// the nonce, as cert-manager's client does (its action labels have no nonce action; the method tells them apart).
    /// </summary>
    private async Task<string> TakeNonceAsync(string action, CancellationToken ct)
    {
        if (_nonces.TryTake(out var nonce))
        {
            return nonce;
        }
        var directory = await GetDirectoryAsync(ct).ConfigureAwait(false);
        // Fetching the directory may itself have pooled a nonce.
        if (_nonces.TryTake(out nonce))
        {
            return nonce;
        }
        using var request = new HttpRequestMessage(HttpMethod.Head, directory.NewNonce);
        var response = await SendAsync(action, request, ct, AcmeActions.NewNonce).ConfigureAwait(false);
        if (response.StatusCode >= 400)
        {
            throw Failure(AcmeActions.NewNonce, response, AcmeProblem.Parse(response.Body, response.StatusCode));
        }
        // A concurrent caller may have taken the HEAD's nonce from the pool; use whatever is there, else ask again.
        return _nonces.TryTake(out nonce) ? nonce : await TakeNonceAsync(action, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One HTTP exchange under the request timeout, body included: pools the Replay-Nonce, reads at most
    /// <see cref="MaxJsonBytes"/> (<see cref="MaxChainBytes"/> for certificates) of the body, refuses redirects, reports
    /// to the observer under <paramref name="action"/>; errors describe <paramref name="step"/> (default: the action).
    /// </summary>
    private async Task<AcmeResponse> SendAsync(string action, HttpRequestMessage request, CancellationToken ct, string? step = null)
    {
        request.Headers.UserAgent.ParseAdd(_options.UserAgent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        var host = request.RequestUri!.Authority;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
            {
                foreach (var nonce in nonces)
                {
                    _nonces.Add(nonce);
                }
            }
            if (status is >= 300 and < 400)
            {
                Report(action, request, status, started);
                // RFC 8555 needs no redirects, and following one would send the account's signed requests (or the
                // silo's own requests) wherever a tenant's server points.
                var target = response.Headers.Location is { } location ? BoundedBody.Excerpt(new Uri(request.RequestUri, location).AbsoluteUri, 200) : "nowhere";
                throw new AcmeException(
                    $"The ACME server {host} answered {Describe(step ?? action)} with a redirect (HTTP {status}) to {target}; CertFleet follows no redirects " +
                    "from an ACME server: set spec.acme.server to the directory URL itself", null, status, null, step ?? action) { UnreadableAnswer = true };
            }
            var limit = action == AcmeActions.FetchCert ? MaxChainBytes : MaxJsonBytes;
            var body = await BoundedBody.ReadStringAsync(response.Content, limit, "the ACME server's answer", timeout.Token).ConfigureAwait(false);
            Report(action, request, status, started);
            return new AcmeResponse(status, response.Headers, body, request.RequestUri!);
        }
        catch (ResponseBodyRefusedException e)
        {
            Report(action, request, AcmeActions.TransportErrorStatus, started);
            throw new AcmeException($"The ACME server {host} sent an answer CertFleet does not read while {Describe(step ?? action)}: {e.Message}",
                null, 0, null, step ?? action, e) { UnreadableAnswer = true };
        }
        catch (InvalidDataException e)
        {
            Report(action, request, AcmeActions.TransportErrorStatus, started);
            throw new AcmeException($"The ACME server {host} sent a compressed answer that does not decompress while {Describe(step ?? action)}: {e.Message}",
                null, 0, null, step ?? action, e) { UnreadableAnswer = true };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            Report(action, request, AcmeActions.TransportErrorStatus, started);
            var message = e is OperationCanceledException
                ? $"The ACME server {host} did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s while {Describe(step ?? action)}"
                : $"Could not reach the ACME server {host} while {Describe(step ?? action)}: {BoundedBody.Excerpt(e.Message, 300)}";
            throw new AcmeException(message, null, 0, null, step ?? action, e);
        }
    }

    private void Report(string action, HttpRequestMessage request, int statusCode, long started)
    {
        var url = request.RequestUri!;
        _options.Observer?.Completed(new AcmeExchange(url.Scheme, url.Authority, action, request.Method.Method, statusCode,
            Stopwatch.GetElapsedTime(started)));
    }

    private static TimeSpan? PollingHint(AcmeResponse response) =>
        RetryAfterHeader.Parse(response.Headers, DateTimeOffset.UtcNow, MinRetryAfter, MaxPollRetryAfter);

    private static T Parse<T>(string action, AcmeResponse response, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or UriFormatException)
        {
            throw Malformed(action, "a reply that is not valid ACME JSON (" + e.Message + ")");
        }
    }

    private AcmeException Failure(string action, AcmeResponse response, AcmeProblem problem)
    {
        var retryAfter = RetryAfterHeader.Parse(response.Headers, DateTimeOffset.UtcNow, MinRetryAfter, MaxErrorRetryAfter);
        var message = $"The ACME server {response.RequestUri.Authority} refused {Describe(action)}: {problem.Describe()} ({problem.ShortType}, HTTP {response.StatusCode})";
        return new AcmeException(message, problem, response.StatusCode, retryAfter, action);
    }

    private static AcmeException Malformed(string action, string what) =>
        new($"The ACME server sent {what} while {Describe(action)}", null, 0, null, action) { UnreadableAnswer = true };

    private string RequireAccountUrl() =>
        _accountUrl ?? throw new InvalidOperationException("No ACME account URL: call RegisterAccountAsync or set AccountUrl from stored state first");

    private static JsonArray ContactArray(IEnumerable<string> contact) =>
        new(contact.Select(c => (JsonNode)(c.Contains(':', StringComparison.Ordinal) ? c : "mailto:" + c)).ToArray());

    private static void RequireCsrMatchesOrder(AcmeOrder order, SubjectAlternativeNames csr)
    {
        var requested = csr.DnsNames.Select(AcmeIdentifier.Dns)
            .Concat(csr.IpAddresses.Select(ip => AcmeIdentifier.Ip(NormalizeIp(ip))));
        var ordered = order.Identifiers.Select(i => i.Type == AcmeIdentifier.IpType ? AcmeIdentifier.Ip(NormalizeIp(i.Value)) : i);
        var csrSet = AcmeOrder.IdentifierSet(requested);
        var orderSet = AcmeOrder.IdentifierSet(ordered);
        if (!csrSet.SetEquals(orderSet))
        {
            var missing = string.Join(", ", orderSet.Except(csrSet));
            var extra = string.Join(", ", csrSet.Except(orderSet));
            throw new ArgumentException(
                $"the CSR's SANs must equal the order's identifiers; missing from the CSR: [{missing}], not in the order: [{extra}]", nameof(order));
        }
    }

    private static string NormalizeIp(string address) => IPAddress.TryParse(address, out var ip) ? ip.ToString() : address;

    private static string Describe(string action) => action switch
    {
        AcmeActions.Discover => "fetching the directory",
        AcmeActions.NewNonce => "fetching a nonce",
        AcmeActions.RegisterAccount => "registering the account",
        AcmeActions.GetRegistration => "reading the account",
        AcmeActions.UpdateRegistration => "updating the account",
        AcmeActions.AuthorizeOrder => "creating the order",
        AcmeActions.GetOrder => "reading the order",
        AcmeActions.ListOrders => "listing the account's orders",
        AcmeActions.GetAuthorization => "reading the authorization",
        AcmeActions.AcceptChallenge => "accepting the challenge",
        AcmeActions.CreateOrderCert => "finalizing the order",
        AcmeActions.FetchCert => "downloading the certificate",
        AcmeActions.RevokeCert => "revoking the certificate",
        AcmeActions.GetRenewalInfo => "fetching renewal information",
        _ => action,
    };

    private static SocketsHttpHandler CreateHandler(AcmeClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            // Recycle connections so DNS changes of the CA are picked up.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // BoundedBody decodes, and stops at its limit: the handler's own decompression would inflate without one.
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
        };
        if (options.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (options.CaBundlePem is { } bundle)
        {
            var roots = new X509Certificate2Collection();
            foreach (var der in PemBundle.Certificates(bundle, "caBundle"))
            {
                roots.Add(X509CertificateLoader.LoadCertificate(der));
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                IsTrustedBy(roots, certificate, presented, errors);
        }
        return handler;
    }

    /// <summary>Validates the server certificate against the caBundle roots only, still requiring the host name to match.</summary>
    private static bool IsTrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
