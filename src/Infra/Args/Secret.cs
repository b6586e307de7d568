using Pulumi;

namespace Infra.Components;

/// <summary>An input kept secret whatever it was given as (a plain string too), as Pulumi's own SDKs keep passwords and keys.</summary>
internal static class Secret
{
    public static Input<string>? Of(Input<string>? value)
    {
        if (value is null)
        {
            return null;
        }

        Output<string> secret = Output.CreateSecret(value.ToOutput());
        return secret;
    }
}
