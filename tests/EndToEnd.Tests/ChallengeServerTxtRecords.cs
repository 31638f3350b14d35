using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Publishes a DNS provider fake's TXT records through challtestsrv's DNS, where Pebble and the silo's propagation
/// check look for them (hand <see cref="PublishAsync"/> to <see cref="CloudflareFakeApi.RecordsChanged"/> or <see cref="DnsApiFake.RecordsChanged"/>).
/// </summary>
public sealed class ChallengeServerTxtRecords(ChallengeTestServer dns)
{
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly Dictionary<string, HashSet<string>> _published = [];

    /// <summary>
    /// Apex and wildcard values on one name change concurrently, and Pebble may be validating one while the other
    /// changes: a name that still has a value is never cleared (challtestsrv's set-txt appends, clear-txt drops all),
    /// so a value under validation never vanishes. A deleted value lingers until its name is empty; an extra TXT value
    /// does not fail a validation.
    /// </summary>
    public async Task PublishAsync(string name, IReadOnlyList<string> values)
    {
        await _publishing.WaitAsync();
        try
        {
            if (!_published.TryGetValue(name, out var published))
                _published[name] = published = [];
            if (values.Count == 0)
            {
                await dns.ClearTxtAsync(name + ".");
                published.Clear();
            }
            foreach (var value in values.Where(published.Add))
                await dns.SetTxtAsync(name + ".", value);
        }
        finally
        {
            _publishing.Release();
        }
    }
}
