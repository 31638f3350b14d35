using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;
using CertFleet.TestSupport;

namespace CertFleet.Bench;

/// <summary>
/// The protocol alone: <see cref="AcmeClient"/> issuing against its own Pebble, whose challtestsrv answers HTTP-01, with
/// a fresh P-256 key and CSR per certificate as the controller makes. It runs in a child process of the bench, so its
/// CPU time is the client's own: not the API emulator's that the bench hosts, nor Pebble's (a process of its own).
/// </summary>
internal static class BareAcmeClient
{
    /// <summary>The first argument that makes certfleet-bench this child: <c>bare-acme WARMUP COUNT CONCURRENCY</c>.</summary>
    public const string Mode = "bare-acme";
    private const string ResultPrefix = "result ";

    /// <param name="Requests">ACME requests per certificate by "action METHOD", as the silo's metric counts them.</param>
    public sealed record Measurement(double PerSecond, double ClientCpuMs, double PebbleCpuMs, int Retried, Dictionary<string, double> Requests);

    /// <summary>Runs the child and returns what it measured; its other output lines are printed, indented.</summary>
    public static async Task<Measurement> MeasureAsync(int warmup, int count, int concurrency)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { typeof(BareAcmeClient).Assembly.Location, Mode, $"{warmup}", $"{count}", $"{concurrency}" })
            info.ArgumentList.Add(argument);
        using var child = Process.Start(info)!;
        Measurement? measured = null;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                measured = JsonSerializer.Deserialize<Measurement>(line[ResultPrefix.Length..]);
            else
                Console.WriteLine($"    {line}");
        }
        await child.WaitForExitAsync();
        return child.ExitCode == 0 && measured is not null
            ? measured
            : throw new InvalidOperationException($"the bare AcmeClient's process exited with {child.ExitCode} without a result");
    }

    /// <summary>The child: issues <c>WARMUP</c> untimed, then <c>COUNT</c> timed, and prints one result line.</summary>
    public static async Task<int> RunAsChildAsync(string[] args)
    {
        var (warmup, count, concurrency) = (Parse(args[0]), Parse(args[1]), Parse(args[2]));
        // Debian's Pebble 2.4 can deadlock under this load even with one new order in flight (a new order against a
        // finalization's store write; /dir still answers). A run that meets it is measured again on a fresh Pebble.
        var measured = await WithRetriesAsync(() => MeasureOnFreshPebbleAsync(warmup, count, concurrency),
            e => Console.WriteLine($"bare AcmeClient: Pebble stopped answering ({e.Message}); measuring again on a fresh Pebble"));
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(measured));
        return 0;
    }

    private static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    // Three attempts at most, again after an ACME or transport failure (a timeout under load, a third badNonce).
    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> attempt, Action<Exception> retrying)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (tries < 3 && e is AcmeException or TimeoutException or HttpRequestException)
            {
                retrying(e);
            }
        }
    }

    // The account is registered before the clock starts, as the controller's is (the ClusterIssuer is Ready first).
    private static async Task<Measurement> MeasureOnFreshPebbleAsync(int warmup, int count, int concurrency)
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { AuthorizationReusePercent = 0 });
        using var accountKey = AcmeAccountKey.Generate(AcmeAccountKey.RS256); // the kind of key the controller generates
        var requests = new RequestCounts();
        using var acme = new AcmeClient(new AcmeClientOptions
        {
            DirectoryUrl = pebble.DirectoryUrl, CaBundlePem = pebble.ListenerCaPem, NewOrderTurns = new AcmeNewOrderTurns(1), Observer = requests,
        }, accountKey);
        await acme.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });
        var retried = 0;
        // As the controller would, an issuance that fails starts again.
        Task IssueWithRetriesAsync(string name, CancellationToken ct) =>
            WithRetriesAsync(async () => { await IssueAsync(acme, pebble.ChallengeServer, name, ct); return true; },
                _ => Interlocked.Increment(ref retried));
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, warmup), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
                await IssueWithRetriesAsync($"acme-warmup-{i}.bench.example", ct));
            retried = 0;
            requests.Clear();
            var self = Process.GetCurrentProcess();
            var (clientBefore, pebbleBefore) = (self.TotalProcessorTime, pebble.CpuTime);
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
                await IssueWithRetriesAsync($"acme-{i}.bench.example", ct));
            var elapsed = clock.Elapsed;
            self.Refresh();
            return new Measurement(count / elapsed.TotalSeconds, (self.TotalProcessorTime - clientBefore).TotalMilliseconds / count,
                (pebble.CpuTime - pebbleBefore).TotalMilliseconds / count, retried, requests.PerCertificate(count));
        }
        catch
        {
            var log = Path.Combine(Path.GetTempPath(), $"certfleet-bench-bare-pebble-{Environment.ProcessId}-{Environment.TickCount64}.log");
            await File.WriteAllTextAsync(log, await pebble.QuitWithGoroutineDumpAsync());
            Console.Error.WriteLine($"The bare client's Pebble's log with its goroutines: {log}");
            throw;
        }
    }

    private sealed class RequestCounts : IAcmeRequestObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

        public void Completed(Providers.Acme.AcmeExchange exchange) => _counts.AddOrUpdate($"{exchange.Action} {exchange.Method}", 1, (_, n) => n + 1);

        public void Clear() => _counts.Clear();

        public Dictionary<string, double> PerCertificate(int count) => _counts.ToDictionary(c => c.Key, c => c.Value / (double)count);
    }

    // newOrder → HTTP-01 per authorization → finalize → download. Pebble 2.4 sends no Retry-After, so polls are
    // spaced by a fixed interval.
    private static async Task IssueAsync(AcmeClient acme, ChallengeTestServer responder, string name, CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(100);
        var order = await acme.NewOrderAsync([AcmeIdentifier.Dns(name)], ct: ct);
        foreach (var url in order.AuthorizationUrls)
        {
            var authorization = await acme.GetAuthorizationAsync(url, ct);
            var challenge = authorization.Challenges.Single(c => c.Type == AcmeChallenge.Http01);
            await responder.AddHttp01Async(challenge.Token, acme.KeyAuthorization(challenge.Token), ct);
            await acme.AcceptChallengeAsync(challenge.Url, ct);
            while (authorization.Status == "pending")
            {
                await Task.Delay(poll, ct);
                authorization = await acme.GetAuthorizationAsync(url, ct);
            }
            await responder.RemoveHttp01Async(challenge.Token, ct);
            if (authorization.Status != "valid")
                throw new InvalidOperationException($"{name}: authorization {authorization.Status}: {authorization.Error?.Detail}");
        }

        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec(KeyAlgorithms.Ecdsa, 256, null));
        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { DnsNames = [name] }, key));
        order = await acme.FinalizeAsync(await acme.GetOrderAsync(order.Url, ct), csr.Der, ct);
        while (order.Status == AcmeOrder.Processing)
        {
            await Task.Delay(poll, ct);
            order = await acme.GetOrderAsync(order.Url, ct);
        }
        if (order.Status != AcmeOrder.Valid)
            throw new InvalidOperationException($"{name}: order {order.Status}: {order.Error?.Detail}");
        await acme.DownloadCertificateAsync(order.CertificateUrl!, ct: ct);
    }
}
