using System.Reflection;

namespace Traktor.Ecs.Net.Tests.PublicApi;

/// <summary>
/// The bounds an options type states for its members follow one convention, so a reader finds a member's bound by its
/// name: the upper bound of <c>Foo</c> is the type's <c>FooLimit</c> (a <c>public const</c>, or <c>public static readonly</c>
/// for a <see cref="TimeSpan"/>), a lower bound other than zero or one is <c>MinFoo</c>, and a default worth naming is
/// <c>DefaultFoo</c>. A limit shared by several members is named after the part of their names they share
/// (<see cref="NetPeerOptions.QueueBytesLimit"/> bounds <c>MaxSendQueueBytes</c> and the other queues). Before, the same
/// kind of bound was <c>MaxTimeout</c>, <c>MaxPeriod</c>, <c>MaxInstructionBudget</c> or <c>ConnectTimeoutLimit</c>, some
/// constants and some static properties.
/// </summary>
public sealed class OptionLimitNamingTests
{
    private static readonly string[] Assemblies =
        ["Traktor.Ecs.Net", "Traktor.Ecs.Net.Online", "Traktor.Ecs.Net.Scripting", "Traktor.Ecs.Net.Web", "Traktor.Ecs.Net.Backend"];

    [Fact]
    public void Every_stated_bound_of_an_options_type_is_named_after_the_member_it_bounds()
    {
        var wrong = new List<string>();
        int checkedBounds = 0;
        foreach (var type in OptionsTypes())
        {
            var members = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToArray();
            foreach (var bound in StaticBounds(type))
            {
                checkedBounds++;
                string? stem = bound.Name.StartsWith("Default", StringComparison.Ordinal) ? bound.Name["Default".Length..]
                    : bound.Name.StartsWith("Min", StringComparison.Ordinal) ? bound.Name["Min".Length..]
                    : bound.Name.EndsWith("Limit", StringComparison.Ordinal) ? bound.Name[..^"Limit".Length]
                    : null;
                if (stem is null || stem.Length == 0 || !members.Any(m => m.EndsWith(stem, StringComparison.Ordinal)))
                    wrong.Add($"{type.Name}.{bound.Name}");
                if (bound is PropertyInfo)
                    wrong.Add($"{type.Name}.{bound.Name} (a static property; a bound is a const or a static readonly field)");
            }
        }

        Assert.True(checkedBounds >= 10, $"only {checkedBounds} bounds found: the test no longer sees the options types");
        Assert.Empty(wrong);
    }

    /// <summary>The public types named <c>…Options</c> in the libraries and the backend.</summary>
    private static IEnumerable<Type> OptionsTypes() =>
        Assemblies.SelectMany(a => Assembly.Load(a).GetExportedTypes()).Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal));

    /// <summary>Public static numbers and times declared on the type: its stated bounds and defaults.</summary>
    private static IEnumerable<MemberInfo> StaticBounds(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(flags).Where(f => IsBoundType(f.FieldType)))
            yield return field;
        foreach (var property in type.GetProperties(flags).Where(p => IsBoundType(p.PropertyType)))
            yield return property;
    }

    private static bool IsBoundType(Type type) => type == typeof(TimeSpan) || (type.IsPrimitive && type != typeof(bool) && type != typeof(char));
}
