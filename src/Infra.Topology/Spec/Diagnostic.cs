namespace Infra.Topology.Spec;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>One problem found in a stack file, pointing at the key an operator must change.</summary>
public sealed record Diagnostic(Severity Severity, string File, string KeyPath, string Message, int? Line = null, int? Column = null)
{
    public bool IsError => Severity == Severity.Error;

    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}:{Column}" : File;
        var level = IsError ? "error" : "warning";
        return KeyPath.Length == 0 ? $"{where}: {level}: {Message}" : $"{where}: {level}: {KeyPath}: {Message}";
    }
}
