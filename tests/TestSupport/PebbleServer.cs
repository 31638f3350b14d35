using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertFleet.Providers.Pki;

namespace CertFleet.TestSupport;

/// <summary>
/// A private Pebble ACME server plus pebble-challtestsrv (Debian's /usr/bin binaries) on 127.0.0.1 with free ports.
/// Pebble resolves every name through challtestsrv's DNS (default A = 127.0.0.1) and validates HTTP-01 on
/// <see cref="PebbleOptions.HttpChallengePort"/> or challtestsrv's HTTP-01 server. Pebble's listener certificate
/// comes from a throwaway CA: trust <see cref="ListenerCaPem"/> (as an Issuer's caBundle).
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    public const string PebblePath = "/usr/bin/pebble";
    public const string ChallengeServerPath = "/usr/bin/pebble-challtestsrv";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly ChildProcess _challengeProcess;
    private ChildProcess _pebbleProcess;
    private IReadOnlyList<string> _pebbleArguments = [];
    private IReadOnlyDictionary<string, string> _pebbleEnvironment = new Dictionary<string, string>();
    private readonly HttpClient _management;

    private PebbleServer(string directory, ChildProcess challengeProcess, ChildProcess pebbleProcess, ChallengeTestServer challengeServer,
        string listenerCaPem, int acmePort, int managementPort)
    {
        _directory = directory;
        _challengeProcess = challengeProcess;
        _pebbleProcess = pebbleProcess;
        ChallengeServer = challengeServer;
        ListenerCaPem = listenerCaPem;
        DirectoryUrl = new Uri($"https://127.0.0.1:{acmePort}/dir");
        ManagementUrl = new Uri($"https://127.0.0.1:{managementPort}/");
        _management = new HttpClient(TrustingOnly(listenerCaPem)) { BaseAddress = ManagementUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>CPU time used by pebble and pebble-challtestsrv so far.</summary>
    public TimeSpan CpuTime => _pebbleProcess.CpuTime + _challengeProcess.CpuTime;

    /// <summary>The ACME directory, https://127.0.0.1:port/dir.</summary>
    public Uri DirectoryUrl { get; }

    /// <summary>Pebble's management API (roots, intermediates, certificate status).</summary>
    public Uri ManagementUrl { get; }

    /// <summary>The PEM root that signed Pebble's listener certificate (valid for 127.0.0.1 and localhost).</summary>
    public string ListenerCaPem { get; }

    /// <summary>Pebble's listener certificate (for 127.0.0.1 and localhost, signed by <see cref="ListenerCaPem"/>) and its key, as PEM files.</summary>
    public string ListenerCertificatePath { get; private init; } = "";

    public string ListenerKeyPath { get; private init; } = "";

    /// <summary>The mock DNS and challenge responder Pebble validates against.</summary>
    public ChallengeTestServer ChallengeServer { get; }

    /// <summary>Pebble's output with the stacks of all its goroutines, for a Pebble that stopped answering; Pebble exits.</summary>
    public async Task<string> QuitWithGoroutineDumpAsync()
    {
        await _pebbleProcess.QuitAsync();
        return Log;
    }

    /// <summary>Both processes' output, for assertion messages.</summary>
    public string Log => $"--- pebble ---\n{_pebbleProcess.Output}--- pebble-challtestsrv ---\n{_challengeProcess.Output}";

    /// <summary>Starts challtestsrv, then Pebble, and returns once the directory answers.</summary>
    public static async Task<PebbleServer> StartAsync(PebbleOptions? options = null, CancellationToken ct = default)
    {
        options ??= new PebbleOptions();
        var directory = Directory.CreateTempSubdirectory("certfleet-pebble-").FullName;
        // acme, management, challtestsrv: management, http-01, tls-alpn-01, dns.
        var ports = LoopbackPorts.Allocate(6);
        var (acmePort, managementPort, challengeManagementPort, http01Port, tlsAlpn01Port, dnsPort) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);

        var challengeProcess = ChildProcess.Start(ChallengeServerPath,
        [
            "-management", $"127.0.0.1:{challengeManagementPort}",
            "-http01", $"127.0.0.1:{http01Port}",
            "-https01", "",
            "-tlsalpn01", $"127.0.0.1:{tlsAlpn01Port}",
            "-dns01", $"127.0.0.1:{dnsPort}",
            "-defaultIPv4", "127.0.0.1",
            // No AAAA by default: the responders listen on IPv4 loopback only.
            "-defaultIPv6", "",
        ]);
        var challengeServer = new ChallengeTestServer(challengeManagementPort, http01Port, tlsAlpn01Port, dnsPort);
        ChildProcess? pebbleProcess = null;
        try
        {
            await WaitUntilAsync(() => challengeServer.PostAsync("set-default-ipv4", new { ip = "127.0.0.1" }, ct), challengeProcess, ct).ConfigureAwait(false);

            var listenerCaPem = WriteListenerCertificate(directory, out var certificatePath, out var keyPath);
            var configPath = Path.Combine(directory, "pebble-config.json");
            await File.WriteAllTextAsync(configPath, ConfigJson(options, acmePort, managementPort, certificatePath, keyPath,
                options.HttpChallengePort ?? http01Port, options.TlsChallengePort ?? tlsAlpn01Port), ct).ConfigureAwait(false);

            List<string> arguments = ["-config", configPath, "-dnsserver", options.DnsServer ?? $"127.0.0.1:{dnsPort}"];
            if (options.Strict)
            {
                arguments.Add("-strict");
            }
            pebbleProcess = ChildProcess.Start(PebblePath, arguments, Environment(options));
            var server = new PebbleServer(directory, challengeProcess, pebbleProcess, challengeServer, listenerCaPem, acmePort, managementPort)
            {
                ListenerCertificatePath = certificatePath,
                ListenerKeyPath = keyPath,
                _pebbleArguments = arguments,
                _pebbleEnvironment = Environment(options),
            };
            try
            {
                using var probe = new HttpClient(TrustingOnly(listenerCaPem)) { Timeout = TimeSpan.FromSeconds(5) };
                await WaitUntilAsync(async () => (await probe.GetAsync(server.DirectoryUrl, ct).ConfigureAwait(false)).EnsureSuccessStatusCode(), pebbleProcess, ct).ConfigureAwait(false);
                return server;
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch when (pebbleProcess is null)
        {
            challengeServer.Dispose();
            await challengeProcess.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Restarts Pebble on the same ports and configuration. Pebble keeps everything in memory, so it comes back with
    /// no accounts, orders or authorizations (and new roots), as a CA that lost its state would.
    /// </summary>
    public async Task RestartPebbleAsync(CancellationToken ct = default)
    {
        await _pebbleProcess.DisposeAsync().ConfigureAwait(false);
        _pebbleProcess = ChildProcess.Start(PebblePath, _pebbleArguments, _pebbleEnvironment);
        using var probe = new HttpClient(TrustingOnly(ListenerCaPem)) { Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilAsync(async () => (await probe.GetAsync(DirectoryUrl, ct).ConfigureAwait(false)).EnsureSuccessStatusCode(), _pebbleProcess, ct)
            .ConfigureAwait(false);
    }

    /// <summary>Root <paramref name="index"/> as PEM (0 = the default chain's root; 1.. = PEBBLE_ALTERNATE_ROOTS).</summary>
    public Task<string> RootPemAsync(int index = 0, CancellationToken ct = default) => _management.GetStringAsync($"roots/{index}", ct);

    /// <summary>The intermediate under root <paramref name="index"/> as PEM.</summary>
    public Task<string> IntermediatePemAsync(int index = 0, CancellationToken ct = default) => _management.GetStringAsync($"intermediates/{index}", ct);

    /// <summary>Pebble's view of a certificate: <c>{Certificate, Reason, RevokedAt, Serial, Status}</c> ("Valid"/"Revoked").</summary>
    public async Task<JsonElement> CertificateStatusAsync(string serialHex, CancellationToken ct = default)
    {
        var json = await _management.GetStringAsync($"cert-status-by-serial/{serialHex.ToLowerInvariant()}", ct).ConfigureAwait(false);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _management.Dispose();
        ChallengeServer.Dispose();
        await _pebbleProcess.DisposeAsync().ConfigureAwait(false);
        await _challengeProcess.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    /// <summary>Writes a throwaway CA-signed certificate for 127.0.0.1/localhost and its key; returns the CA's PEM.</summary>
    internal static string WriteListenerCertificate(string directory, out string certificatePath, out string keyPath)
    {
        var now = DateTimeOffset.UtcNow;
        var keySpec = KeySpec.FromCertificateSpec(KeyAlgorithms.Ecdsa, 256, KeyEncodings.Pkcs1);
        using var caKey = PrivateKey.Generate(keySpec);
        var caTemplate = new CertificateTemplate { CommonName = "CertFleet test Pebble listener CA", IsCA = true, Duration = TimeSpan.FromDays(7) };
        var caRequest = SigningRequest.FromPem(CsrBuilder.BuildPem(caTemplate, caKey), caTemplate.Duration, isCA: true, usages: ["cert sign", "digital signature"]);
        var caCertificate = CertificateSigner.SelfSign(caRequest, caKey, now.AddMinutes(-5));

        using var ca = CaKeyPair.FromPem(caCertificate.ChainPem, caKey.ToPem(KeyEncodings.Pkcs8));
        using var leafKey = PrivateKey.Generate(keySpec);
        var leafTemplate = new CertificateTemplate
        {
            CommonName = "localhost",
            DnsNames = ["localhost"],
            IpAddresses = ["127.0.0.1"],
            Usages = ["digital signature", "server auth"],
            Duration = TimeSpan.FromDays(7),
        };
        var leafRequest = SigningRequest.FromPem(CsrBuilder.BuildPem(leafTemplate, leafKey), leafTemplate.Duration, isCA: false, leafTemplate.Usages);
        var leaf = CertificateSigner.SignWithCa(leafRequest, ca, now.AddMinutes(-5));

        certificatePath = Path.Combine(directory, "listener.crt");
        keyPath = Path.Combine(directory, "listener.key");
        File.WriteAllText(certificatePath, leaf.ChainPem);
        File.WriteAllText(keyPath, leafKey.ToPem(KeyEncodings.Pkcs8));
        return caCertificate.ChainPem;
    }

    private static string ConfigJson(PebbleOptions options, int acmePort, int managementPort, string certificatePath, string keyPath, int httpPort, int tlsPort)
    {
        var pebble = new Dictionary<string, object>
        {
            ["listenAddress"] = $"127.0.0.1:{acmePort}",
            ["managementListenAddress"] = $"127.0.0.1:{managementPort}",
            ["certificate"] = certificatePath,
            ["privateKey"] = keyPath,
            ["httpPort"] = httpPort,
            ["tlsPort"] = tlsPort,
            ["ocspResponderURL"] = "",
            ["externalAccountBindingRequired"] = options.ExternalAccountMacKeys.Count > 0,
            ["externalAccountMACKeys"] = options.ExternalAccountMacKeys,
            ["domainBlocklist"] = options.DomainBlocklist,
        };
        if (options.CertificateValidity is { } validity)
        {
            pebble["certificateValidityPeriod"] = (long)validity.TotalSeconds;
        }
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["pebble"] = pebble }, new JsonSerializerOptions { WriteIndented = true });
    }

    private static Dictionary<string, string> Environment(PebbleOptions options)
    {
        var environment = new Dictionary<string, string>();
        void Set(string name, int? value)
        {
            if (value is { } v)
            {
                environment[name] = v.ToString(CultureInfo.InvariantCulture);
            }
        }
        Set("PEBBLE_VA_NOSLEEP", options.ValidateWithoutSleep ? 1 : null);
        Set("PEBBLE_VA_ALWAYS_VALID", options.AlwaysValid ? 1 : null);
        Set("PEBBLE_WFE_NONCEREJECT", options.NonceRejectPercent);
        Set("PEBBLE_AUTHZREUSE", options.AuthorizationReusePercent);
        Set("PEBBLE_ALTERNATE_ROOTS", options.AlternateRoots);
        Set("PEBBLE_CHAIN_LENGTH", options.ChainLength);
        return environment;
    }

    /// <summary>Retries <paramref name="probe"/> until it succeeds, the process dies or <see cref="StartTimeout"/> passes.</summary>
    private static async Task WaitUntilAsync(Func<Task> probe, ChildProcess process, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await probe().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                if (process.HasExited || DateTimeOffset.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{process.Name} did not come up: {e.Message}\n{process.Output}", e);
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    /// <summary>An HTTP handler that trusts only the given PEM roots (host name still checked).</summary>
    internal static SocketsHttpHandler TrustingOnly(string caPem)
    {
        var roots = new X509Certificate2Collection();
        foreach (var der in PemBundle.Certificates(caPem, "listener CA"))
        {
            roots.Add(X509CertificateLoader.LoadCertificate(der));
        }
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return handler;
    }
}
