using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// Condition list edits that keep lastTransitionTime when a condition's status does not change. Messages are cut to
/// <see cref="StatusText.MaxLength"/> here, so grain state holds what the status write (which cuts again) sends.
/// </summary>
public static class ConditionList
{
    public static List<Condition> Set(IReadOnlyList<Condition>? current, Condition wanted) =>
        Set(current, wanted with { Message = StatusText.TruncateOrNull(wanted.Message) }, c => c.Type, c => c.Status, (w, e) => w with { LastTransitionTime = e.LastTransitionTime });

    /// <summary>CertificateRequest conditions are their own record (no observedGeneration), edited the same way.</summary>
    public static List<CertificateRequestCondition> Set(IReadOnlyList<CertificateRequestCondition>? current, CertificateRequestCondition wanted) =>
        Set(current, wanted with { Message = StatusText.TruncateOrNull(wanted.Message) }, c => c.Type, c => c.Status, (w, e) => w with { LastTransitionTime = e.LastTransitionTime });

    public static List<Condition> Remove(IReadOnlyList<Condition>? current, string type) =>
        [.. (current ?? []).Where(c => c.Type != type)];

    public static Condition? Find(IReadOnlyList<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static CertificateRequestCondition? Find(IReadOnlyList<CertificateRequestCondition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    private static List<T> Set<T>(IReadOnlyList<T>? current, T wanted, Func<T, string> type, Func<T, string> status,
        Func<T, T, T> keepTransitionTime)
    {
        var result = new List<T>();
        var replaced = false;
        foreach (var existing in current ?? [])
        {
            if (type(existing) != type(wanted))
            {
                result.Add(existing);
                continue;
            }
            result.Add(status(existing) == status(wanted) ? keepTransitionTime(wanted, existing) : wanted);
            replaced = true;
        }
        if (!replaced) result.Add(wanted);
        return result;
    }
}
