namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// Each member visible as itself: its Certificates' series carry cluster=&lt;member&gt; and come from exactly one silo
/// (the one watching it), and the Events written into it name it as their source host and a silo as reporter.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetVisibilityTests(FleetFixture fleet)
{
    [Fact]
    public async Task Every_members_series_come_from_one_silo_with_its_cluster_label_and_its_Events_name_it()
    {
        var namespaces = new Dictionary<string, string>();
        foreach (var name in FleetFixture.MemberNames)
        {
            var member = fleet.Member(name);
            var ns = await member.NamespaceAsync();
            namespaces[name] = ns;
            await member.MustApplyAsync($$"""
                apiVersion: cert-manager.io/v1
                kind: Issuer
                metadata:
                  name: self
                  namespace: {{ns}}
                spec:
                  selfSigned: {}
                """);
            await member.MustApplyAsync(Manifests.Certificate(ns, "seen", "self"));
        }
        foreach (var name in FleetFixture.MemberNames)
            await FleetFixture.WaitForConditionAsync(fleet.Member(name), namespaces[name], "certificate/seen", "Ready", 60);

        // Summed over the silos, as Prometheus would: one series per member, from one silo each.
        await Processes.Eventually(async () =>
            {
                var scrapes = await Task.WhenAll(fleet.Silos.Select(s => s.ScrapeAsync()));
                return FleetFixture.MemberNames.Select(name => scrapes.Sum(scrape => scrape.Named("certmanager_certificate_ready_status")
                    .Count(x => x.Has(("cluster", name), ("namespace", namespaces[name]), ("name", "seen"), ("condition", "True")) && x.Value == 1))).ToList();
            },
            counts => counts.All(c => c == 1), $"each member's Ready series from exactly one silo (silo logs: {fleet.Logs})");

        foreach (var name in FleetFixture.MemberNames)
        {
            var (_, output, _) = await fleet.Member(name).KubectlAsync("-n", namespaces[name], "get", "events",
                "--field-selector", "involvedObject.kind=Certificate,involvedObject.name=seen",
                "-o", "jsonpath={range .items[*]}{.source.host} {.reportingInstance}{\"\\n\"}{end}");
            var sources = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(sources);
            Assert.All(sources, source => Assert.Matches($"^{name} silo-[01]$", source));
        }
    }
}
