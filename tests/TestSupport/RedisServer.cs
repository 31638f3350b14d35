using StackExchange.Redis;

namespace CertFleet.TestSupport;

/// <summary>
/// A real redis-server on a free loopback port with a data directory of its own. Without AOF it keeps nothing on disk;
/// with AOF every write is fsynced before it is acknowledged, so a kill and restart on the same port loses nothing.
/// It can ask for a password, and serve TLS only (no plain port) with a certificate for <see cref="TlsHost"/> from a
/// throwaway CA, as a managed Redis does.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly string _directory = Directory.CreateTempSubdirectory("certfleet-redis-").FullName;
    private readonly bool _appendOnly;
    private readonly string? _password;
    private readonly ThrowawayCa? _ca;
    private ChildProcess? _process;

    /// <summary>The name the TLS server's certificate is for, which clients name with sslHost.</summary>
    public const string TlsHost = "redis.certfleet.test";

    private RedisServer(int port, bool appendOnly, string? password, bool tls)
    {
        Port = port;
        _appendOnly = appendOnly;
        _password = password;
        _ca = tls ? new ThrowawayCa(_directory) : null;
    }

    public int Port { get; }

    /// <summary>What CertFleet__Redis__ConnectionString is set to for this server: with ssl, sslHost and password as it needs.</summary>
    public string ConnectionString =>
        $"127.0.0.1:{Port}" + (_ca is null ? "" : $",ssl=true,sslHost={TlsHost}") + (_password is null ? "" : $",password={_password}");

    /// <summary>The PEM file of the CA behind the TLS server's certificate (CertFleet__Redis__TrustedCaFile); null without TLS.</summary>
    public string? TrustedCaFile => _ca?.CaFile;

    /// <param name="password">Clients must AUTH with it (requirepass).</param>
    /// <param name="tls">Serve TLS only, with a certificate for <see cref="TlsHost"/>.</param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, string? password = null, bool tls = false)
    {
        var server = new RedisServer(LoopbackPorts.Allocate(1)[0], appendOnly, password, tls);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>
    /// Kills redis-server as a crash would and starts it again on the same port and directory, after
    /// <paramref name="downtime"/> without any Redis.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime = default)
    {
        await _process!.DisposeAsync();
        await Task.Delay(downtime);
        await StartProcessAsync();
    }

    /// <summary>Runs <paramref name="query"/> on a fresh connection, so it never depends on one that died with a restart.</summary>
    public async Task<T> QueryAsync<T>(Func<IServer, IDatabase, Task<T>> query)
    {
        var options = ConfigurationOptions.Parse(ConnectionString);
        if (_ca is not null)
            options.TrustIssuer(_ca.CaFile);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        return await query(connection.GetServer(options.EndPoints[0]), connection.GetDatabase());
    }

    public async Task<IReadOnlyList<string>> KeysAsync(string pattern) =>
        await QueryAsync(async (server, _) =>
        {
            var keys = new List<string>();
            await foreach (var key in server.KeysAsync(pattern: pattern))
                keys.Add(key.ToString());
            keys.Sort(StringComparer.Ordinal);
            return keys;
        });

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
        _ca?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        string[] persistence = _appendOnly
            ? ["--appendonly", "yes", "--appendfsync", "always"]
            : ["--appendonly", "no"];
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] listening = ["--port", port];
        if (_ca is not null)
        {
            var (certificateFile, keyFile) = _ca.IssueServerCertificate(TlsHost);
            listening = ["--port", "0", "--tls-port", port, "--tls-cert-file", certificateFile, "--tls-key-file", keyFile,
                "--tls-ca-cert-file", _ca.CaFile, "--tls-auth-clients", "no"];
        }
        string[] authentication = _password is null ? [] : ["--requirepass", _password];
        _process = ChildProcess.Start(Executable,
            [.. listening, "--bind", "127.0.0.1", "--save", "", "--dir", _directory, .. persistence, .. authentication]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!_process.Output.Contains("Ready to accept connections", StringComparison.Ordinal) && !_process.HasExited)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"redis-server on port {Port} did not start within 15 s:\n{_process.Output}");
            await Task.Delay(100);
        }
        if (_process.HasExited)
            throw new InvalidOperationException($"redis-server on port {Port} exited:\n{_process.Output}");
    }
}
