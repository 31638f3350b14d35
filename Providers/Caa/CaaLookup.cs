using System.Collections.Concurrent;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using CertFleet.Providers.Http01;

namespace CertFleet.Providers.Caa;

/// <summary>
/// Finds the relevant CAA record set: the name's own, else the closest parent's (for *.x, starting at x). A lookup
/// that fails (SERVFAIL, timeout) is an error, not permission: the CA would refuse too.
/// </summary>
/// <remarks>
/// Answers are kept for their TTL (negative ones for the SOA's negative TTL), never longer than
/// <see cref="MaxCacheAge"/>, and concurrent lookups of one name share one query: a fleet of certificates under one
/// zone would otherwise ask for the same parents' CAA once per certificate. Failures are never kept. One instance
/// per process (it is the cache).
/// </remarks>
public sealed class CaaLookup
{
    /// <summary>How stale a preflight answer may be: a fixed CAA record is seen within a minute.</summary>
    public static readonly TimeSpan MaxCacheAge = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<DnsClient>? _clients;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<DomainName, SharedQuery<Answer>> _answers = new();

    public CaaLookup(IReadOnlyList<string> nameservers, TimeSpan queryTimeout, TimeProvider? clock = null)
    {
        var timeoutMilliseconds = (int)Math.Clamp(queryTimeout.TotalMilliseconds, 100, 30_000);
        _clients = nameservers.Count == 0 ? null : nameservers.Select(NameserverEndpoint.Parse)
            .Select(server => new DnsClient([server.Address],
                [new UdpClientTransport(server.Port), new TcpClientTransport(server.Port)], false, timeoutMilliseconds))
            .ToList();
        _clock = clock ?? TimeProvider.System;
    }

    public async Task<IReadOnlyList<CaaRecordData>> RelevantRecordsAsync(string domain, CancellationToken ct = default)
    {
        var start = domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain;
        if (!DomainName.TryParse(start.TrimEnd('.'), out var name) || name is null)
            throw new CaaLookupException($"\"{domain}\" is not a DNS name");
        for (var current = name; current.LabelCount > 0; current = current.GetParentName())
        {
            var records = await RecordsAtAsync(current, ct);
            if (records.Count > 0)
                return records;
        }
        return [];
    }

    /// <summary>The CAA records at exactly this name, from the cache or one shared query.</summary>
    private async Task<IReadOnlyList<CaaRecordData>> RecordsAtAsync(DomainName name, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        while (true)
        {
            var cached = _answers.GetOrAdd(name, n => new SharedQuery<Answer>(() => AskAsync(n), now));
            // An answer's age is known once it has come (Result of a completed task does not block).
            if (cached.Task.IsCompletedSuccessfully && cached.Task.Result.ExpiresAfter(cached.Started) <= now)
            {
                _answers.TryRemove(KeyValuePair.Create(name, cached));
                continue;
            }
            try
            {
                return (await cached.Task.WaitAsync(ct)).Records;
            }
            catch (CaaLookupException)
            {
                _answers.TryRemove(KeyValuePair.Create(name, cached));
                throw;
            }
        }
    }

    private async Task<Answer> AskAsync(DomainName name)
    {
        var shown = name.ToString().TrimEnd('.');
        // Not the caller's token: other callers may share this query. The client's own timeout bounds it.
        var answer = await QueryAsync(name)
                     ?? throw new CaaLookupException($"CAA lookup for {shown} got no answer; the CA would refuse to issue");
        if (answer.ReturnCode is not ReturnCode.NoError and not ReturnCode.NxDomain)
            throw new CaaLookupException($"CAA lookup for {shown} failed with {RcodeName(answer.ReturnCode)}; the CA would refuse to issue");
        var caa = answer.AnswerRecords.OfType<CAARecord>().ToList();
        var records = caa.Select(r => new CaaRecordData(shown, r.Flags, r.Tag, r.Value)).ToList();
        // RFC 2308: a negative answer lives for min(SOA TTL, SOA MINIMUM); without an SOA it is not kept.
        var ttl = caa.Count > 0
            ? caa.Min(r => r.TimeToLive)
            : answer.AuthorityRecords.OfType<SoaRecord>().Select(soa => Math.Min(soa.TimeToLive, soa.NegativeCachingTTL)).DefaultIfEmpty(0).Min();
        return new Answer(records, TimeSpan.FromSeconds(Math.Max(0, ttl)));
    }

    /// <summary>The names DNS operators know from dig.</summary>
    private static string RcodeName(ReturnCode code) => code switch
    {
        ReturnCode.ServerFailure => "SERVFAIL",
        ReturnCode.Refused => "REFUSED",
        ReturnCode.NotImplemented => "NOTIMP",
        ReturnCode.FormatError => "FORMERR",
        _ => code.ToString(),
    };

    private async Task<DnsMessage?> QueryAsync(DomainName name)
    {
        try
        {
            if (_clients is null)
                return await DnsClient.Default.ResolveAsync(name, RecordType.CAA);
            foreach (var client in _clients)
            {
                if (await client.ResolveAsync(name, RecordType.CAA) is { } answer)
                    return answer;
            }
            return null;
        }
        catch (Exception ex)
        {
            throw new CaaLookupException($"CAA lookup for {name} failed: {ex.Message}");
        }
    }

    private sealed record Answer(IReadOnlyList<CaaRecordData> Records, TimeSpan TimeToLive)
    {
        public DateTimeOffset ExpiresAfter(DateTimeOffset asked) => asked + (TimeToLive < MaxCacheAge ? TimeToLive : MaxCacheAge);
    }
}

public sealed class CaaLookupException(string message) : Exception(message);
