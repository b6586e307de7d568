using Pulumi;
using Pulumi.Utilities;

namespace Infra.Planning;

/// <summary>What a component can know of an input while it is being constructed, before anything is registered.</summary>
internal static class InputValues
{
    /// <summary>
    /// A value written in the program (or an output already known, not secret, with no resource behind it): the plan
    /// takes it as written. Anything else (another resource's output, a secret) is known only at deploy time.
    /// </summary>
    public static bool TryLiteral<T>(Input<T>? input, out T value)
    {
        value = default!;
        if (input is null)
        {
            return false;
        }

        var output = input.ToOutput();
        var dependencies = OutputUtilities.GetDependenciesAsync(output);
        var secret = Output.IsSecretAsync(output);
        if (!TryPeek(input, out var known) || !dependencies.IsCompletedSuccessfully || !secret.IsCompletedSuccessfully
            || dependencies.Result.Count > 0 || secret.Result)
        {
            return false;
        }

        value = known;
        return true;
    }

    /// <summary>The value when it is already known (a secret from config too): checked before anything is registered.</summary>
    public static bool TryPeek<T>(Input<T>? input, out T value)
    {
        value = default!;
        if (input is null)
        {
            return false;
        }

        var output = input.ToOutput();
        var known = OutputUtilities.GetIsKnownAsync(output);
        var result = OutputUtilities.GetValueAsync(output);
        if (!known.IsCompletedSuccessfully || !known.Result || !result.IsCompletedSuccessfully)
        {
            return false;
        }

        value = result.Result;
        return true;
    }
}
