using System.Diagnostics;

namespace CertFleet.Providers.Tests.Pki;

/// <summary>Runs the openssl (or keytool) command line on files in a scratch directory: a real interop check.</summary>
internal sealed class OpenSsl : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("certfleet-pki-").FullName;

    public string PathOf(string name) => Path.Combine(_directory, name);

    public Task<byte[]> ReadBytes(string name) => File.ReadAllBytesAsync(PathOf(name));

    public Task<string> ReadText(string name) => File.ReadAllTextAsync(PathOf(name));

    public string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public Task<(int ExitCode, string Output)> Run(params string[] arguments) => Exec("openssl", arguments);

    public async Task<(int ExitCode, string Output)> Exec(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>
    /// openssl verify -x509_strict of <paramref name="leafPem"/> against <paramref name="rootPem"/>, an hour after
    /// <see cref="TestCertificates.Now"/>.
    /// </summary>
    public async Task<string> Verify(string rootPem, string leafPem, string? intermediatesPem = null, string? purpose = null)
    {
        var at = TestCertificates.Now.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        List<string> arguments = ["verify", "-x509_strict", "-attime", at, "-CAfile", Write("root.pem", rootPem)];
        if (intermediatesPem is { Length: > 0 })
        {
            arguments.AddRange(["-untrusted", Write("intermediates.pem", intermediatesPem)]);
        }
        if (purpose is not null)
        {
            arguments.AddRange(["-purpose", purpose]);
        }
        arguments.Add(Write("leaf.pem", leafPem));
        var (exitCode, output) = await Run([.. arguments]);
        Assert.True(exitCode == 0, $"openssl verify failed: {output}");
        return output;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
