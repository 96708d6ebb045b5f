using System.Reflection;
using System.Text.RegularExpressions;

namespace Traktor.Ecs.Net.Tests.PublicApi;

/// <summary>
/// The bounds an options type states for its members follow one convention, so a reader finds a member's bound by its
/// name: the upper bound of <c>Foo</c> is the type's <c>FooLimit</c> (a <c>public const</c>, or <c>public static readonly</c>
/// for a <see cref="TimeSpan"/>), a lower bound other than zero or one is <c>MinFoo</c>, and a default worth naming is
/// <c>DefaultFoo</c>, where <c>Foo</c> is exactly a public property of the type (a limit several members share is
/// declared once per member: <see cref="NetPeerOptions.MaxSendQueueBytesLimit"/>, not a <c>QueueBytesLimit</c> a reader
/// must guess belongs to three). Before, the names were matched by their ending, so <c>TimeoutLimit</c> passed on a type
/// with only <c>HostTimeout</c>, and nothing checked that the check used the named bound.
/// </summary>
public sealed partial class OptionLimitNamingTests
{
    private static readonly string[] Assemblies =
        ["Traktor.Ecs.Net", "Traktor.Ecs.Net.Online", "Traktor.Ecs.Net.Scripting", "Traktor.Ecs.Net.Web", "Traktor.Ecs.Net.Backend"];

    [Fact]
    public void Every_stated_bound_of_an_options_type_names_exactly_the_member_it_bounds()
    {
        var wrong = new List<string>();
        int checkedBounds = 0;
        foreach (var type in OptionsTypes())
        {
            foreach (var bound in StaticBounds(type))
            {
                checkedBounds++;
                if (BoundedMember(type, bound.Name) is null)
                    wrong.Add($"{type.Name}.{bound.Name} (no public property {Stem(bound.Name) ?? "(not DefaultFoo, MinFoo or FooLimit)"})");
                if (bound is PropertyInfo)
                    wrong.Add($"{type.Name}.{bound.Name} (a static property; a bound is a const or a static readonly field)");
            }
        }

        Assert.True(checkedBounds >= 40, $"only {checkedBounds} bounds found: the test no longer sees the options types");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    /// <summary>
    /// Each <c>FooLimit</c> is the bound the type's check applies: <c>Foo</c> one past it (one tick for a time) is refused
    /// naming <c>Foo</c>, and <c>Foo</c> at it is not refused for <c>Foo</c> (another member may then be out of its range,
    /// as a queue that no longer holds two of the largest messages). A limit the check does not use, or a check against a
    /// bare number different from it, fails here.
    /// </summary>
    [Fact]
    public void Every_limit_is_the_bound_the_options_check_applies()
    {
        var wrong = new List<string>();
        int probed = 0;
        foreach (var type in OptionsTypes())
        {
            foreach (var limit in StaticBounds(type).OfType<FieldInfo>().Where(field => field.Name.EndsWith("Limit", StringComparison.Ordinal)))
            {
                var member = BoundedMember(type, limit.Name);
                if (member is null)
                {
                    continue; // the naming test reports it
                }

                object limitValue = limit.GetValue(null)!;
                string? past = Refusal(type, member, Step(limitValue, 1));
                string? at = Refusal(type, member, limitValue);
                probed++;
                if (past != member.Name)
                    wrong.Add($"{type.Name}.{member.Name} = {limit.Name} + 1 was {(past is null ? "taken" : $"refused naming {past}")}");
                if (at == member.Name)
                    wrong.Add($"{type.Name}.{member.Name} = {limit.Name} was refused");
            }
        }

        Assert.True(probed >= 40, $"only {probed} limits probed");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
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

    /// <summary><c>Foo</c> of <c>DefaultFoo</c>, <c>MinFoo</c> or <c>FooLimit</c>; null for any other name.</summary>
    private static string? Stem(string bound) =>
        bound.StartsWith("Default", StringComparison.Ordinal) ? bound["Default".Length..]
        : bound.StartsWith("Min", StringComparison.Ordinal) ? bound["Min".Length..]
        : bound.EndsWith("Limit", StringComparison.Ordinal) ? bound[..^"Limit".Length]
        : null;

    /// <summary>The public instance property a bound's name names exactly, or null.</summary>
    private static PropertyInfo? BoundedMember(Type type, string bound) =>
        Stem(bound) is { Length: > 0 } stem ? type.GetProperty(stem, BindingFlags.Public | BindingFlags.Instance) : null;

    /// <summary>The value one step (a tick for a time) above or below <paramref name="value"/>.</summary>
    private static object Step(object value, int by) => value switch
    {
        int i => i + by,
        long l => l + by,
        double d => d + by,
        TimeSpan t => t + TimeSpan.FromTicks(by),
        _ => throw new InvalidOperationException($"no step for {value.GetType()}"),
    };

    /// <summary>
    /// Sets <paramref name="member"/> to <paramref name="value"/> on a valid instance and runs the type's check: the
    /// member the check refused (an <see cref="ArgumentException"/>'s parameter, or the first setting a problem line names),
    /// or null when it took the values.
    /// </summary>
    private static string? Refusal(Type type, PropertyInfo member, object value)
    {
        object options = ValidInstance(type);
        member.SetValue(options, value);
        var check = Check(options.GetType());
        try
        {
            object? result = check.Invoke(options, null);
            if (result is IEnumerable<string> problems)
            {
                var named = problems.Select(line => SettingInLine().Match(line).Groups["name"].Value).ToList();
                return named.Contains(member.Name) ? member.Name : named.FirstOrDefault();
            }

            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException refused)
        {
            return refused.ParamName;
        }
    }

    [GeneratedRegex(@"^\w+:(?<name>\w+)")]
    private static partial Regex SettingInLine();

    /// <summary>The type's parameterless check: <c>Validate</c>, <c>ValidateClient</c> or <c>ValidateServer</c> (any visibility).</summary>
    private static MethodInfo Check(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        return type.GetMethod("ValidateServer", flags, Type.EmptyTypes)
            ?? type.GetMethod("ValidateClient", flags, Type.EmptyTypes)
            ?? type.GetMethod("Validate", flags, Type.EmptyTypes)
            ?? throw new InvalidOperationException($"{type.Name} states limits but has no parameterless Validate");
    }

    /// <summary>A fresh instance every check takes as it is (the required members set).</summary>
    private static object ValidInstance(Type type) =>
        ValidInstanceOrNull(type) ?? throw new InvalidOperationException($"{type.Name} states limits but cannot be made here");

    /// <summary>As <see cref="ValidInstance"/>; null for an abstract type or one made only with arguments.</summary>
    private static object? ValidInstanceOrNull(Type type)
    {
        var tokens = new Traktor.Ecs.Net.Sessions.SessionTokenOptions { ServerKey = new byte[32], ProtocolId = 1 };
        object? options = type.Name switch
        {
            nameof(NetPeerOptions) => new NetServerOptions { ProtocolId = 1, Insecure = true },
            nameof(NatTraversalOptions) => new NatTraversalOptions { Introducer = NetAddress.Parse("127.0.0.1:3478") },
            nameof(Traktor.Ecs.Net.Sessions.SessionTokenOptions) => tokens,
            nameof(Traktor.Ecs.Net.Online.Sessions.SessionDirectoryOptions) => new Traktor.Ecs.Net.Online.Sessions.SessionDirectoryOptions { Tokens = tokens },
            _ when type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null => null,
            _ => Activator.CreateInstance(type)!,
        };
        return options;
    }
}
