using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>Port numbers, port names (IANA_SVC_NAME) and protocols, checked as k8s.io/apimachinery words them.</summary>
internal static partial class PortFields
{
    public static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    private const string RangeMessage = "must be between 1 and 65535, inclusive";

    /// <summary>A port number that must be present (containerPort).</summary>
    public static void ValidateNumber(JsonNode? port, string field, List<FieldError> errors)
    {
        if (port is null)
        {
            errors.Add(FieldError.Required(field));
        }
        else if (port.AsLong() is not (>= 1 and <= 65535))
        {
            errors.Add(FieldError.Invalid(field, port, RangeMessage));
        }
    }

    /// <summary>An IntOrString port: a number in range or an IANA service name.</summary>
    public static void ValidateNumberOrName(JsonNode? port, string field, List<FieldError> errors)
    {
        if (JsonTree.Kind(port) == JsonValueKind.String)
        {
            ValidateName(port.AsString()!, field, errors);
        }
        else
        {
            ValidateNumber(port, field, errors);
        }
    }

    public static void ValidateName(string name, string field, List<FieldError> errors)
    {
        var value = JsonValue.Create(name);
        if (name.Length > 15)
        {
            errors.Add(FieldError.Invalid(field, value, "must be no more than 15 characters"));
        }
        if (!ServiceNamePattern().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(field, value, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
        }
        else if (!name.Any(char.IsAsciiLetter))
        {
            errors.Add(FieldError.Invalid(field, value, "must contain at least one letter (a-z)"));
        }
        else if (name.Contains("--", StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid(field, value, "must not contain consecutive hyphens"));
        }
        else if (name.StartsWith('-') || name.EndsWith('-'))
        {
            errors.Add(FieldError.Invalid(field, value, "must not begin or end with a hyphen"));
        }
    }

    /// <summary>A protocol; missing is fine where the apiserver defaults it to TCP.</summary>
    public static void ValidateProtocol(JsonNode? protocol, string field, List<FieldError> errors)
    {
        if (protocol is not null && !Protocols.Contains(protocol.AsString()))
        {
            errors.Add(FieldError.NotSupported(field, protocol, Protocols));
        }
    }

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex ServiceNamePattern();
}
