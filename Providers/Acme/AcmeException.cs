namespace CertFleet.Providers.Acme;

/// <summary>
/// An ACME request failed. <see cref="Message"/> is a sentence for a status condition that quotes the CA;
/// <see cref="Problem"/> is null when no HTTP response arrived (<see cref="StatusCode"/> is then 0).
/// </summary>
public sealed class AcmeException : Exception
{
    public AcmeException(string message, AcmeProblem? problem, int statusCode, TimeSpan? retryAfter, string action, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
        Action = action;
    }

    public AcmeProblem? Problem { get; }

    /// <summary>The request never left this client (it waited for a turn that did not come): nothing happened at the CA.</summary>
    public bool NotSent { get; init; }

    /// <summary>
    /// The server answered, but with something this client does not read (over a size limit, a redirect, an encoding
    /// or JSON it cannot decode). Unlike an outage, retrying the same request is unlikely to help for long.
    /// </summary>
    public bool UnreadableAnswer { get; init; }

    /// <summary>The HTTP status, or 0 for transport errors and malformed server replies.</summary>
    public int StatusCode { get; }

    /// <summary>The clamped Retry-After of the error response, if it had one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The <see cref="AcmeActions"/> name of the failed request.</summary>
    public string Action { get; }

    /// <summary>What to do next: the problem's action, or back off when the server could not be reached.</summary>
    public AcmeProblemAction SuggestedAction => Problem?.Action ?? AcmeProblemAction.BackOff;
}
