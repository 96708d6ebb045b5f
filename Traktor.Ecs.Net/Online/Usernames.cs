using System.Globalization;
using System.Text;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// What a username may be, and the key two look-alike names share. A username is stored in Unicode normalization
/// form KC (so fullwidth <c>Ａｌｉｃｅ</c> becomes <c>Alice</c>) and must then be 1 to <see cref="MaxLength"/>
/// characters of: letters, combining marks directly after a letter (at most <see cref="MaxCombiningMarks"/> in a row),
/// the ASCII digits 0–9, and <c>_</c> <c>-</c> <c>.</c> between other characters (never first, last or doubled).
/// Nothing else: no spaces, control, format (zero-width, bidi), symbol or private-use characters. The letters of one
/// name come from one of Latin, Greek and Cyrillic at most (other scripts may be used, but not mixed with those
/// three), which stops the classic look-alikes such as a Cyrillic <c>а</c> inside a Latin name. Uniqueness ignores
/// case: the login key is the case-folded form, so <c>Alice</c> and <c>ALICE</c> are the same account, while the
/// name is shown as it was registered.
/// </summary>
public static class Usernames
{
    /// <summary>The longest username, in UTF-16 code units after normalization.</summary>
    public const int MaxLength = 32;

    /// <summary>The most combining marks allowed in a row (enough for any script's diacritics, too few for "zalgo" text).</summary>
    public const int MaxCombiningMarks = 2;

    /// <summary>Normalizes a username for registration and checks it against the allowed set.</summary>
    /// <param name="username">The name as typed.</param>
    /// <returns>The name to store and show (NFKC, case kept).</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.InvalidArgument"/> saying which rule the name breaks.</exception>
    public static string Normalize(string? username) =>
        TryNormalize(username, out string normalized, out string? problem) ? normalized : throw OnlineException.Invalid(problem!);

    /// <summary>Normalizes and checks a username without throwing.</summary>
    /// <param name="username">The name as typed.</param>
    /// <param name="normalized">The stored form, when valid.</param>
    /// <param name="problem">Which rule the name breaks, when invalid.</param>
    public static bool TryNormalize(string? username, out string normalized, out string? problem)
    {
        normalized = "";
        if (string.IsNullOrEmpty(username))
        {
            problem = "Username must not be empty.";
            return false;
        }
        if (username.Length > MaxLength * 4)
        {
            problem = $"Username must be at most {MaxLength} characters.";
            return false;
        }
        string text;
        try
        {
            text = username.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            problem = "Username is not valid Unicode.";
            return false;
        }
        if (text.Length > MaxLength)
        {
            problem = $"Username must be at most {MaxLength} characters.";
            return false;
        }
        problem = Check(text);
        if (problem is not null)
        {
            return false;
        }
        normalized = text;
        return true;
    }

    /// <summary>The key uniqueness and login use: the normalized name, case-folded.</summary>
    /// <param name="normalized">A name returned by <see cref="Normalize"/>.</param>
    public static string LoginKey(string normalized) =>
        // Upper then lower folds the pairs a single lower-casing misses (final sigma, Kelvin sign); NFKC again because case mapping can denormalize.
        normalized.ToUpperInvariant().ToLowerInvariant().Normalize(NormalizationForm.FormKC);

    private static string? Check(string text)
    {
        Script? letterScript = null;
        int marks = 0;
        bool previousWasPunctuation = false;
        for (int i = 0; i < text.Length; i++)
        {
            int codePoint;
            if (char.IsSurrogatePair(text, i))
            {
                codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
            }
            else if (char.IsSurrogate(text[i]))
            {
                return "Username is not valid Unicode.";
            }
            else
            {
                codePoint = text[i];
            }
            var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
            bool first = i == 0;
            bool last = i + (codePoint > 0xFFFF ? 2 : 1) == text.Length;
            switch (category)
            {
                case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
                    var script = ScriptOf(codePoint);
                    if (script != Script.Other)
                    {
                        if (letterScript is { } seen && seen != script)
                        {
                            return "Username must not mix Latin, Greek and Cyrillic letters.";
                        }
                        letterScript = script;
                    }
                    marks = 0;
                    previousWasPunctuation = false;
                    break;
                case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark:
                    if (first || previousWasPunctuation || ++marks > MaxCombiningMarks)
                    {
                        return $"Username may hold combining marks only after a letter, at most {MaxCombiningMarks} in a row.";
                    }
                    break;
                case UnicodeCategory.DecimalDigitNumber when codePoint is >= '0' and <= '9':
                    marks = 0;
                    previousWasPunctuation = false;
                    break;
                default:
                    if (codePoint is '_' or '-' or '.')
                    {
                        if (first || last || previousWasPunctuation)
                        {
                            return "Username may hold '_', '-' and '.' only between other characters, one at a time.";
                        }
                        previousWasPunctuation = true;
                        marks = 0;
                        break;
                    }
                    return "Username may hold only letters, the digits 0-9, and '_', '-' or '.' between them (no spaces, symbols, control or invisible characters).";
            }
            if (codePoint > 0xFFFF)
            {
                i++;
            }
        }
        return null;
    }

    private enum Script
    {
        Other,
        Latin,
        Greek,
        Cyrillic,
    }

    private static Script ScriptOf(int codePoint) => codePoint switch
    {
        <= 0x024F or (>= 0x1E00 and <= 0x1EFF) or (>= 0x2C60 and <= 0x2C7F) or (>= 0xA720 and <= 0xA7FF) or (>= 0xAB30 and <= 0xAB6F) => Script.Latin,
        (>= 0x0370 and <= 0x03FF) or (>= 0x1F00 and <= 0x1FFF) => Script.Greek,
        (>= 0x0400 and <= 0x052F) or (>= 0x1C80 and <= 0x1C8F) or (>= 0x2DE0 and <= 0x2DFF) or (>= 0xA640 and <= 0xA69F) => Script.Cyrillic,
        _ => Script.Other,
    };
}
