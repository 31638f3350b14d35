using System.Globalization;
using CertFleet.Interfaces.Fleet;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>The human-readable form of the CLI's reports, laid out like cmctl's.</summary>
public static class TextOutput
{
    public static void Write(TextWriter o, CertificateStatusReport r, DateTimeOffset now)
    {
        o.WriteLine($"Name: {r.Name}");
        o.WriteLine($"Namespace: {r.Namespace}");
        o.WriteLine($"Created at: {Time(r.CreatedAt)}");
        WriteConditions(o, "", r.Conditions);
        if (r.RateLimit is { } limit)
            o.WriteLine($"Rate limit: waiting for a budget ({limit.Condition}): {limit.Message}");
        if (r.CommonName is { Length: > 0 })
            o.WriteLine($"Common Name: {r.CommonName}");
        WriteList(o, "", "DNS Names", r.DnsNames);
        WriteList(o, "", "IP Addresses", r.IpAddresses);
        WriteEvents(o, "", r.Events, now);

        o.WriteLine("Issuer:");
        o.WriteLine($"  Name: {r.Issuer.Name}");
        o.WriteLine($"  Kind: {r.Issuer.Kind}");
        o.WriteLine($"  Group: {r.Issuer.Group}");
        switch (r.Issuer.Found)
        {
            case null:
                o.WriteLine("  (an external issuer; not read)");
                break;
            case false:
                o.WriteLine($"  Not found: no {r.Issuer.Kind} named \"{r.Issuer.Name}\"" +
                            (r.Issuer.Kind == "ClusterIssuer" ? "" : $" in namespace \"{r.Namespace}\""));
                break;
            default:
                WriteConditions(o, "  ", r.Issuer.Conditions);
                WriteEvents(o, "  ", r.Issuer.Events, now);
                break;
        }

        o.WriteLine("Secret:");
        o.WriteLine($"  Name: {r.Secret.Name}");
        if (!r.Secret.Found)
            o.WriteLine("  Not found: the Secret does not exist (yet)");
        else if (r.Secret.Certificate is { } c)
        {
            o.WriteLine($"  Subject: {c.Subject}");
            o.WriteLine($"  Issuer: {c.Issuer}");
            o.WriteLine($"  Not Before: {Time(c.NotBefore)}");
            o.WriteLine($"  Not After: {Time(c.NotAfter)}");
            o.WriteLine($"  Serial Number: {c.SerialNumber}");
        }
        else
            o.WriteLine($"  Unreadable: {r.Secret.Error}");

        o.WriteLine($"Not Before: {Time(r.NotBefore)}");
        o.WriteLine($"Not After: {Time(r.NotAfter)}");
        o.WriteLine($"Renewal Time: {Time(r.RenewalTime)}");
        o.WriteLine($"Revision: {(r.Revision?.ToString(CultureInfo.InvariantCulture) ?? "<none>")}");
        if (r.FailedIssuanceAttempts is > 0)
            o.WriteLine($"Failed Issuance Attempts: {r.FailedIssuanceAttempts} (last at {Time(r.LastFailureTime)})");

        if (r.CertificateRequest is { } request)
        {
            o.WriteLine("CertificateRequest:");
            o.WriteLine($"  Name: {request.Name}");
            o.WriteLine($"  Namespace: {r.Namespace}");
            WriteConditions(o, "  ", request.Conditions);
            WriteEvents(o, "  ", request.Events, now);
        }
        else
            o.WriteLine("No CertificateRequest found for this Certificate");

        if (r.Order is { } order)
        {
            o.WriteLine("Order:");
            o.WriteLine($"  Name: {order.Name}");
            o.WriteLine($"  State: {order.State ?? "<none>"}, Reason: {order.Reason ?? ""}");
            o.WriteLine($"  URL: {order.Url ?? "<none>"}");
            o.WriteLine("  Authorizations:");
            foreach (var a in order.Authorizations)
            {
                o.WriteLine($"    URL: {a.Url}, Identifier: {a.Identifier}, Initial State: {a.InitialState ?? "<none>"}, Wildcard: {Bool(a.Wildcard)}");
                foreach (var challenge in a.Challenges)
                    o.WriteLine($"      Challenge: {challenge.Type}, Token: {challenge.Token}, URL: {challenge.Url}");
            }
            WriteEvents(o, "  ", order.Events, now);
        }

        if (r.Challenges.Count > 0)
        {
            o.WriteLine("Challenges:");
            foreach (var ch in r.Challenges)
            {
                o.WriteLine($"- Name: {ch.Name}, Type: {ch.Type}, Token: {ch.Token}, Key: {ch.Key}, URL: {ch.Url}");
                o.WriteLine($"  Domain: {ch.DnsName}, Wildcard: {Bool(ch.Wildcard)}");
                o.WriteLine($"  State: {ch.State ?? "<none>"}, Reason: {ch.Reason ?? ""}, Processing: {Bool(ch.Processing)}, Presented: {Bool(ch.Presented)}");
                WriteEvents(o, "  ", ch.Events, now);
            }
        }
    }

    public static void Write(TextWriter o, SecretInspectionReport r)
    {
        o.WriteLine($"Name: {r.Name}");
        o.WriteLine($"Namespace: {r.Namespace}");
        o.WriteLine($"Type: {r.Type ?? "<none>"}");
        if (r.Certificate is { } c)
        {
            o.WriteLine("Validity:");
            o.WriteLine($"  Not Before: {Time(c.NotBefore)}");
            o.WriteLine($"  Not After: {Time(c.NotAfter)}");
            o.WriteLine($"  Status: {c.Validity}");
            o.WriteLine("Subject:");
            o.WriteLine($"  {c.Subject}");
            o.WriteLine("Issuer:");
            o.WriteLine($"  {c.Issuer}{(c.SelfSigned ? " (self-signed)" : "")}");
            WriteList(o, "", "DNS Names", c.DnsNames);
            WriteList(o, "", "IP Addresses", c.IpAddresses);
            WriteList(o, "", "URIs", c.Uris);
            WriteList(o, "", "Email Addresses", c.EmailAddresses);
            o.WriteLine("Key:");
            o.WriteLine($"  Public Key Algorithm: {c.KeyAlgorithm} {c.KeySize}");
            o.WriteLine($"  Signature Algorithm: {c.SignatureAlgorithm}");
            o.WriteLine($"  Serial Number: {c.SerialNumber}");
            o.WriteLine($"  SHA-256 Fingerprint: {c.Sha256Fingerprint}");
            o.WriteLine($"  Is a CA: {Bool(c.IsCA)}");
            o.WriteLine($"  Key Usages: {string.Join(", ", c.KeyUsages)}");
            o.WriteLine($"  Extended Key Usages: {string.Join(", ", c.ExtendedKeyUsages)}");
        }
        else
            o.WriteLine($"Certificate: {r.CertificateError}");
        o.WriteLine($"Chain Length: {r.ChainLength} (tls.crt), {r.CaCertificates} in ca.crt");
        var key = r.PrivateKey;
        o.WriteLine(!key.Present
            ? "Private Key: none"
            : key.Error is { } error
                ? $"Private Key: unreadable: {error}"
                : $"Private Key: {key.Algorithm} {key.Size}, matches the certificate: {(key.MatchesCertificate is { } m ? Bool(m) : "unknown")}");
        o.WriteLine("cert-manager Annotations:");
        if (r.Annotations.Count == 0)
            o.WriteLine("  <none>");
        foreach (var (name, value) in r.Annotations)
            o.WriteLine($"  {name}: {value}");
    }

    public static void Write(TextWriter o, IReadOnlyList<RenewResult> results)
    {
        if (results.Count == 0)
            o.WriteLine("No Certificates found to renew");
        foreach (var result in results)
            o.WriteLine(result.Message);
    }

    public static void Write(TextWriter o, FleetStatus status)
    {
        WriteTable(o, ["NAME", "SOURCE", "REACHABLE", "WATCHED BY", "CERTIFICATES", "READY", "NOT READY", "EXPIRING (14d)", "FAILING"],
            status.Members.Select(m => new[]
            {
                m.Name, m.Source, Reachability(m), m.WatchingSilo ?? "<none>",
                Count(m.Certificates?.Total), Count(m.Certificates?.Ready), Count(m.Certificates?.NotReady),
                Count(m.Certificates?.ExpiringSoon), Count(m.Certificates?.Failing),
            }));
        o.WriteLine();
        if (status.Budgets.Count == 0)
        {
            o.WriteLine("Budgets left: none used yet (every member shares each ACME server's and account's budgets)");
            return;
        }
        o.WriteLine("Budgets left (shared by every member):");
        WriteTable(o, ["SERVER", "LIMIT", "KEY", "LEFT", "REOPENS AT"],
            status.Budgets.Select(b => new[] { b.Server, b.Limit, b.Key, $"{b.Remaining}/{b.Capacity}", b.ReopensAt is null ? "" : Time(b.ReopensAt) }));
    }

    public static void Write(TextWriter o, FleetCertificates view)
    {
        var window = view.ExpiringWithin is { } within ? $" expiring within {FleetWindow.Format(within)}" : "";
        if (view.Certificates.Count == 0)
            o.WriteLine($"No Certificates{window} in any member");
        else
            WriteTable(o, ["CLUSTER", "NAMESPACE", "NAME", "READY", "NOT AFTER", "RENEWAL", "ISSUER", "FAILING"],
                view.Certificates.Select(c => new[]
                {
                    c.Cluster, c.Namespace, c.Name, c.Ready, Time(c.NotAfter), Time(c.RenewalTime), c.Issuer, c.Failing ? "yes" : "",
                }));
        if (view.Incomplete.Count > 0)
            o.WriteLine($"Possibly incomplete for {string.Join(", ", view.Incomplete)}: not reported yet, or more Certificates than a report lists");
    }

    public static void Write(TextWriter o, FleetDuplicates view)
    {
        if (view.Sets.Count == 0)
        {
            o.WriteLine("No identifier set is asked for by more than one Certificate");
            return;
        }
        WriteTable(o, ["IDENTIFIER SET", "CERTIFICATES"],
            view.Sets.Select(set => new[] { set.Key, string.Join(", ", set.Holders.Select(h => h.ToGrainKey())) }));
    }

    private static string Reachability(FleetMemberStatus member) => member switch
    {
        { Reachable: null } => "not reported yet",
        { Reachable: true, Stale: true } => $"yes (report of {Time(member.ReportedAt)})",
        { Reachable: true } => "yes",
        _ => $"no, unreachable since {Time(member.UnreachableSince)}" + (member.Stale ? $" (report of {Time(member.ReportedAt)})" : ""),
    };

    private static string Count(int? count) => count?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Columns as wide as their widest cell, two spaces apart, as kubectl get prints them.</summary>
    private static void WriteTable(TextWriter o, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        foreach (var row in all)
            o.WriteLine(string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
    }

    private static void WriteConditions(TextWriter o, string indent, IReadOnlyList<ConditionReport> conditions)
    {
        o.WriteLine($"{indent}Conditions:");
        if (conditions.Count == 0)
            o.WriteLine($"{indent}  <none>");
        foreach (var c in conditions)
            o.WriteLine($"{indent}  {c.Type}: {c.Status}, Reason: {c.Reason}, Message: {c.Message}");
    }

    private static void WriteList(TextWriter o, string indent, string title, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
            return;
        o.WriteLine($"{indent}{title}:");
        foreach (var item in items)
            o.WriteLine($"{indent}- {item}");
    }

    private static void WriteEvents(TextWriter o, string indent, IReadOnlyList<EventReport> events, DateTimeOffset now)
    {
        if (events.Count == 0)
        {
            o.WriteLine($"{indent}Events:  <none>");
            return;
        }
        o.WriteLine($"{indent}Events:");
        o.WriteLine($"{indent}  {"Type",-8} {"Reason",-24} {"Age",-6} {"From",-40} Message");
        foreach (var e in events)
        {
            var age = e.LastSeen is { } seen ? Age(now - seen) : "<unknown>";
            var times = e.Count > 1 ? $" (x{e.Count})" : "";
            o.WriteLine($"{indent}  {e.Type,-8} {e.Reason,-24} {age + times,-6} {e.Source ?? "",-40} {e.Message}");
        }
    }

    private static string Age(TimeSpan span) => span switch
    {
        { TotalSeconds: < 120 } => $"{Math.Max(0, (int)span.TotalSeconds)}s",
        { TotalMinutes: < 120 } => $"{(int)span.TotalMinutes}m",
        { TotalHours: < 48 } => $"{(int)span.TotalHours}h",
        _ => $"{(int)span.TotalDays}d",
    };

    private static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "<none>";

    private static string Bool(bool value) => value ? "true" : "false";
}
