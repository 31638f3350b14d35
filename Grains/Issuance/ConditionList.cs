using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Issuance;

/// <summary>Condition list edits that keep lastTransitionTime when a condition's status does not change.</summary>
public static class ConditionList
{
    public static List<Condition> Set(IReadOnlyList<Condition>? current, Condition wanted)
    {
        var result = new List<Condition>();
        var replaced = false;
        foreach (var existing in current ?? [])
        {
            if (existing.Type != wanted.Type)
            {
                result.Add(existing);
                continue;
            }
            result.Add(existing.Status == wanted.Status ? wanted with { LastTransitionTime = existing.LastTransitionTime } : wanted);
            replaced = true;
        }
        if (!replaced) result.Add(wanted);
        return result;
    }

    public static List<Condition> Remove(IReadOnlyList<Condition>? current, string type) =>
        [.. (current ?? []).Where(c => c.Type != type)];

    public static Condition? Find(IReadOnlyList<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static CertificateRequestCondition? Find(IReadOnlyList<CertificateRequestCondition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static List<CertificateRequestCondition> Set(IReadOnlyList<CertificateRequestCondition>? current, CertificateRequestCondition wanted)
    {
        var result = new List<CertificateRequestCondition>();
        var replaced = false;
        foreach (var existing in current ?? [])
        {
            if (existing.Type != wanted.Type)
            {
                result.Add(existing);
                continue;
            }
            result.Add(existing.Status == wanted.Status ? wanted with { LastTransitionTime = existing.LastTransitionTime } : wanted);
            replaced = true;
        }
        if (!replaced) result.Add(wanted);
        return result;
    }
}
