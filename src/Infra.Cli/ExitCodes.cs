namespace Infra.Cli;

/// <summary>The repository's exit codes (STYLE.md); `diff` follows diff(1) instead.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    public const int Same = 0;
    public const int Different = 1;
    public const int Trouble = 2;

    /// <summary>A bug in infra itself, not in the input (sysexits' EX_SOFTWARE).</summary>
    public const int Internal = 70;
}
