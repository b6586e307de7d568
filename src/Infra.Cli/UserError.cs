namespace Infra.Cli;

/// <summary>Bad input an operator can fix: printed as one line, never as a stack trace.</summary>
public sealed class UserError(string message) : Exception(message);
