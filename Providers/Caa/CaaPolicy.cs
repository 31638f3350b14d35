namespace CertFleet.Providers.Caa;

/// <summary>
/// Whether the relevant CAA record set lets a CA issue (RFC 8659, RFC 8657): for a wildcard, issuewild records govern
/// alone when present, else issue; any matching record allows; a record with no domain (";") allows no one; accounturi
/// and validationmethods parameters must fit; an unknown critical tag forbids. No issue/issuewild records: allowed.
/// </summary>
public static class CaaPolicy
{
    private static readonly HashSet<string> KnownTags = new(StringComparer.OrdinalIgnoreCase)
        { "issue", "issuewild", "iodef", "issuemail", "issuevmc", "contactemail", "contactphone" };

    /// <param name="caIdentities">The CA's CAA domains (directory meta.caaIdentities); empty when unknown.</param>
    /// <param name="challengeType">"http-01" or "dns-01".</param>
    /// <returns>Null when issuance is allowed (or cannot be ruled out without the CA's identity); otherwise why not.</returns>
    public static string? Refusal(IReadOnlyList<CaaRecordData> records, IReadOnlyList<string> caIdentities, string? accountUri,
        string challengeType, bool wildcard)
    {
        if (records.FirstOrDefault(r => r.IsCritical && !KnownTags.Contains(r.Tag)) is { } critical)
            return $"CAA record {critical} has an unknown critical tag, which forbids issuance by any CA";
        var issuewild = records.Where(r => r.Tag.Equals("issuewild", StringComparison.OrdinalIgnoreCase)).ToList();
        var relevant = wildcard && issuewild.Count > 0
            ? issuewild
            : records.Where(r => r.Tag.Equals("issue", StringComparison.OrdinalIgnoreCase)).ToList();
        if (relevant.Count == 0)
            return null;
        var parsed = relevant.Select(r => (Record: r, Entry: CaaIssueValue.Parse(r.Value))).ToList();
        if (caIdentities.Count == 0)
            // Without the CA's identity only "nobody may issue" is certain.
            return parsed.All(p => p.Entry.Domain.Length == 0)
                ? $"CAA records {string.Join(", ", relevant)} allow no CA to issue; remove them or name your CA"
                : null;
        foreach (var (record, entry) in parsed)
        {
            if (!caIdentities.Contains(entry.Domain, StringComparer.OrdinalIgnoreCase))
                continue;
            if (entry.Parameters.TryGetValue("accounturi", out var account) && account != accountUri)
                continue;
            if (entry.Parameters.TryGetValue("validationmethods", out var methods)
                && !methods.Split(',').Select(m => m.Trim()).Contains(challengeType, StringComparer.OrdinalIgnoreCase))
                continue;
            return null;
        }
        return $"CAA records {string.Join(", ", relevant)} do not allow {string.Join(" or ", caIdentities)} to issue" +
               $"{(accountUri is null ? "" : $" for account {accountUri}")} with {challengeType}; add an {(wildcard && issuewild.Count > 0 ? "issuewild" : "issue")} record for \"{caIdentities[0]}\"";
    }
}

/// <summary>An issue/issuewild value: the CA's domain (empty for ";") and its key=value parameters.</summary>
public sealed record CaaIssueValue(string Domain, IReadOnlyDictionary<string, string> Parameters)
{
    public static CaaIssueValue Parse(string value)
    {
        var parts = value.Split(';');
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=');
            if (eq > 0)
                parameters[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return new CaaIssueValue(parts[0].Trim(), parameters);
    }
}
