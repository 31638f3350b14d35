using StackExchange.Redis;

namespace CertFleet.TestSupport;

/// <summary>
/// A real redis-server on a free loopback port with a data directory of its own. Without AOF it keeps nothing on disk;
/// with AOF every write is fsynced before it is acknowledged, so a kill and restart on the same port loses nothing.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly string _directory = Directory.CreateTempSubdirectory("certfleet-redis-").FullName;
    private readonly bool _appendOnly;
    private ChildProcess? _process;

    private RedisServer(int port, bool appendOnly)
    {
        Port = port;
        _appendOnly = appendOnly;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(bool appendOnly = false)
    {
        var server = new RedisServer(LoopbackPorts.Allocate(1)[0], appendOnly);
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
        await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        return await query(connection.GetServer(ConnectionString), connection.GetDatabase());
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
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        string[] persistence = _appendOnly
            ? ["--appendonly", "yes", "--appendfsync", "always"]
            : ["--appendonly", "no"];
        _process = ChildProcess.Start(Executable,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
             "--dir", _directory, .. persistence]);
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
