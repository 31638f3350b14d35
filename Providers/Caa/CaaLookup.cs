using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using CertFleet.Providers.Http01;

namespace CertFleet.Providers.Caa;

/// <summary>
/// Finds the relevant CAA record set: the name's own, else the closest parent's (for *.x, starting at x). A lookup
/// that fails (SERVFAIL, timeout) is an error, not permission: the CA would refuse too.
/// </summary>
public sealed class CaaLookup(IReadOnlyList<string> nameservers, TimeSpan queryTimeout)
{
    private readonly int _timeoutMilliseconds = (int)Math.Clamp(queryTimeout.TotalMilliseconds, 100, 30_000);

    public async Task<IReadOnlyList<CaaRecordData>> RelevantRecordsAsync(string domain, CancellationToken ct = default)
    {
        var start = domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain;
        if (!DomainName.TryParse(start.TrimEnd('.'), out var name) || name is null)
            throw new CaaLookupException($"\"{domain}\" is not a DNS name");
        for (var current = name; current.LabelCount > 0; current = current.GetParentName())
        {
            var shown = current.ToString().TrimEnd('.');
            var answer = await QueryAsync(current, ct)
                         ?? throw new CaaLookupException($"CAA lookup for {shown} got no answer; the CA would refuse to issue");
            if (answer.ReturnCode is not ReturnCode.NoError and not ReturnCode.NxDomain)
                throw new CaaLookupException($"CAA lookup for {shown} failed with {RcodeName(answer.ReturnCode)}; the CA would refuse to issue");
            var records = answer.AnswerRecords.OfType<CAARecord>()
                .Select(r => new CaaRecordData(current.ToString().TrimEnd('.'), r.Flags, r.Tag, r.Value)).ToList();
            if (records.Count > 0)
                return records;
        }
        return [];
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

    private async Task<DnsMessage?> QueryAsync(DomainName name, CancellationToken ct)
    {
        try
        {
            if (nameservers.Count == 0)
                return await DnsClient.Default.ResolveAsync(name, RecordType.CAA, RecordClass.INet, null, ct);
            foreach (var server in nameservers.Select(NameserverEndpoint.Parse))
            {
                var client = new DnsClient([server.Address],
                    [new UdpClientTransport(server.Port), new TcpClientTransport(server.Port)], false, _timeoutMilliseconds);
                if (await client.ResolveAsync(name, RecordType.CAA, RecordClass.INet, null, ct) is { } answer)
                    return answer;
            }
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new CaaLookupException($"CAA lookup for {name} failed: {ex.Message}");
        }
    }
}

public sealed class CaaLookupException(string message) : Exception(message);
