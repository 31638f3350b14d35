namespace CertFleet.KubeEmulator.Resources;

/// <summary>The fieldValidation query parameter: what to do with fields the schema does not know.</summary>
internal enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

/// <summary>Per-request decoding state: the validation directive and the warnings to send back.</summary>
internal sealed class DecodeContext(FieldValidation validation)
{
    public FieldValidation Validation { get; } = validation;

    /// <summary>Sent back as HTTP "Warning: 299 - ..." headers.</summary>
    public List<string> Warnings { get; } = [];
}
