using System.Text;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// The outcome of a CertificateRequest an external issuer signs, read from the status its controller writes, as
/// cert-manager's issuing controller reads it: Denied or InvalidRequest True, or Ready False with reason Failed or
/// Denied, ends it; Ready True with a certificate is issued; anything else is still pending.
/// </summary>
public static class ExternalRequestOutcome
{
    public static RequestOutcome Of(CertificateRequest request, DateTimeOffset now)
    {
        var status = request.Status;
        var conditions = status?.Conditions;
        var ready = ConditionList.Find(conditions, ConditionTypes.Ready);
        var failureTime = status?.FailureTime ?? now;
        if (ConditionList.Find(conditions, ConditionTypes.Denied) is { Status: ConditionStatus.True } denied)
            return Ended(RequestState.Denied, CertificateRequestReasons.Denied, DeniedMessage(denied.Message), failureTime);
        if (ConditionList.Find(conditions, ConditionTypes.InvalidRequest) is { Status: ConditionStatus.True } invalid)
            return Ended(RequestState.Failed, invalid.Reason ?? ConditionTypes.InvalidRequest, $"The CertificateRequest is invalid: {invalid.Message}", failureTime);
        if (ready is { Status: ConditionStatus.False, Reason: CertificateRequestReasons.Failed or CertificateRequestReasons.Denied })
            return Ended(ready.Reason == CertificateRequestReasons.Denied ? RequestState.Denied : RequestState.Failed, ready.Reason!, ready.Message ?? "", failureTime);
        if (ready is { Status: ConditionStatus.True } && status?.Certificate is { Length: > 0 } certificate)
            return new RequestOutcome
            {
                State = RequestState.Issued, Reason = CertificateRequestReasons.Issued, Message = ready.Message ?? "",
                ChainPem = Encoding.UTF8.GetString(certificate),
                CaPem = status.CA is { Length: > 0 } ca ? Encoding.UTF8.GetString(ca) : null,
            };
        var issuerRef = request.Spec.IssuerRef;
        var waiting = $"Waiting for {SignerNames.KindOf(issuerRef)} \"{issuerRef.Name}\" of group {SignerNames.GroupOf(issuerRef)} to sign the request";
        return RequestOutcome.Pending(ready?.Reason is { Length: > 0 } reason ? reason : CertificateRequestReasons.Pending,
            ready?.Message is { Length: > 0 } said ? $"{waiting}: {said}" : waiting);
    }

    /// <summary>How a denial reads on the request and its Certificate, whoever signs it.</summary>
    public static string DeniedMessage(string? why)
    {
        const string message = "The CertificateRequest was denied by an approval controller";
        return why is { Length: > 0 } ? $"{message}: {why}" : message;
    }

    private static RequestOutcome Ended(RequestState state, string reason, string message, DateTimeOffset failureTime) => new()
    {
        State = state, Reason = reason, Message = message, FailureTime = failureTime,
    };
}
