namespace Traktor.Ecs;

/// <summary>Type names as a C# programmer writes them, for error messages and profiles.</summary>
internal static class TypeNames
{
    /// <summary>A type's name as written in C#: <c>ServerInputs&lt;ShipInput, ShipInputSerializer&gt;</c>, not <c>ServerInputs`2</c>.</summary>
    /// <param name="type">The type.</param>
    /// <returns>Its name with its type arguments.</returns>
    public static string Display(Type type)
    {
        int tick = type.Name.IndexOf('`', StringComparison.Ordinal);
        if (!type.IsGenericType || tick < 0)
        {
            return type.Name; // also a nested type that only inherits its parent's type arguments
        }

        string name = type.Name[..tick];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Display))}>";
    }
}
