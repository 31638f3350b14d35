using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

using Xunit;

namespace CertFleet.TestSupport;

/// <summary>
/// A real BIND (named) on a free loopback port, authoritative for two zones that accept TSIG-signed TXT updates:
/// <see cref="Sha256Zone"/> for an hmac-sha256, an hmac-sha1 and an hmac-sha512 key, and <see cref="Md5Zone"/> for an
/// hmac-md5 key.
/// </summary>
public sealed class Rfc2136BindServer : IAsyncLifetime
{
    public const string Sha256Zone = "example.test";
    public const string Sha256KeyName = "acme-sha256";
    public const string Md5Zone = "md5.test";
    public const string Md5KeyName = "acme-md5";
    public const string Sha1KeyName = "acme-sha1";
    public const string Sha512KeyName = "acme-sha512";

    private const string Named = "/usr/sbin/named";
    private const string Dig = "/usr/bin/dig";

    private readonly string _directory = Directory.CreateTempSubdirectory("certfleet-bind-").FullName;
    private readonly StringBuilder _log = new();
    private Process? _process;

    public byte[] Sha256Secret { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] Md5Secret { get; } = RandomNumberGenerator.GetBytes(16);
    public byte[] Sha1Secret { get; } = RandomNumberGenerator.GetBytes(20);
    public byte[] Sha512Secret { get; } = RandomNumberGenerator.GetBytes(64);
    public int Port { get; } = FreePort();

    /// <summary>"127.0.0.1:port", as the provider's Nameserver setting takes it.</summary>
    public string Nameserver => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_directory, "named.conf"), $$"""
            key "{{Sha256KeyName}}" { algorithm hmac-sha256; secret "{{Convert.ToBase64String(Sha256Secret)}}"; };
            key "{{Md5KeyName}}" { algorithm hmac-md5; secret "{{Convert.ToBase64String(Md5Secret)}}"; };
            key "{{Sha1KeyName}}" { algorithm hmac-sha1; secret "{{Convert.ToBase64String(Sha1Secret)}}"; };
            key "{{Sha512KeyName}}" { algorithm hmac-sha512; secret "{{Convert.ToBase64String(Sha512Secret)}}"; };
            options {
                directory "{{_directory}}";
                pid-file "{{_directory}}/named.pid";
                session-keyfile "{{_directory}}/session.key";
                listen-on port {{Port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                dnssec-validation no;
                allow-query { any; };
            };
            controls { };
            zone "{{Sha256Zone}}" { type primary; file "{{Sha256Zone}}.zone"; update-policy { grant {{Sha256KeyName}} zonesub TXT; grant {{Sha1KeyName}} zonesub TXT; grant {{Sha512KeyName}} zonesub TXT; }; };
            zone "{{Md5Zone}}" { type primary; file "{{Md5Zone}}.zone"; update-policy { grant {{Md5KeyName}} zonesub TXT; }; };
            """);
        foreach (var zone in new[] { Sha256Zone, Md5Zone })
            File.WriteAllText(Path.Combine(_directory, $"{zone}.zone"), $"""
                $TTL 60
                @   IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60
                @   IN NS  ns1.{zone}.
                ns1 IN A   127.0.0.1
                ; delegation of a challenge name, for cnameStrategy Follow
                _acme-challenge.alias IN CNAME _acme-challenge.target.{zone}.
                """);

        var start = new ProcessStartInfo(Named) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", Path.Combine(_directory, "named.conf"), "-g" })
            start.ArgumentList.Add(argument);
        // As root named would otherwise switch to the "bind" user, who cannot write the journal in our directory.
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("root");
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Named}");
        _process.OutputDataReceived += (_, line) => AppendLog(line.Data);
        _process.ErrorDataReceived += (_, line) => AppendLog(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilAnsweringAsync();
    }

    /// <summary>The TXT strings at <paramref name="name"/>, as dig sees them on the server.</summary>
    public async Task<IReadOnlyList<string>> TxtValuesAsync(string name)
    {
        var output = await DigAsync("+short", "TXT", name);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Trim().Trim('"'))];
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
                _process.Kill();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
            _process.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"named exited with {_process.ExitCode}:\n{Log()}");
            if ((await DigAsync("+short", "SOA", Sha256Zone)).Contains(Sha256Zone, StringComparison.Ordinal))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"named did not answer SOA {Sha256Zone} on port {Port} within 20 s:\n{Log()}");
            await Task.Delay(100);
        }
    }

    private async Task<string> DigAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Dig) { RedirectStandardOutput = true };
        foreach (var argument in new[] { "@127.0.0.1", "-p", Port.ToString(), "+time=1", "+tries=1" }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Dig}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return output;
    }

    private void AppendLog(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    private string Log()
    {
        lock (_log)
            return _log.ToString();
    }

    private static int FreePort()
    {
        // named listens on UDP and TCP; a port free for TCP is in practice free for UDP on loopback too.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
