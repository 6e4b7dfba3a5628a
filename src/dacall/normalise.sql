-- The normalisation functions the dbt models call (dacall.dbt_plugin creates these macros in
-- the warehouse each time dbt opens it). dacall/normalise.py is the reference: each macro gives
-- exactly what its Python function gives (tests/test_normalise_in_duckdb.py compares them on
-- hostile and generated text), but runs inside DuckDB, on every core and without Python's
-- interpreter lock.
--
-- The SQL reads printable ASCII only: there DuckDB's regular expressions (RE2) and upper()
-- agree with Python's `re` and str.upper(), and Python's whitespace is the space. Any other
-- text (accents to fold, ligatures, other scripts, control characters) is handed to the Python
-- function, which dacall.dbt_plugin registers as `dacall_<name>`, so the result never depends
-- on which path read it.
-- A building number and street are read by the pattern dacall.normalise.street_words makes from
-- config/address.yml, which dacall.dbt_plugin writes into the macro below where its
-- placeholders stand. Telephone numbers are read in SQL only in the two
-- forms of a UK number the phonenumbers library reads without a choice (normalise_ascii_e164);
-- any other form goes to the library.
--
-- `list_transform([value], lambda name: ...)[1]` evaluates `value` once and names it, where a
-- macro parameter would be evaluated again at every use.

-- Printable ASCII: the text the SQL below reads exactly as Python does.
create or replace macro normalise_is_plain(text) as
    regexp_full_match(text, '[ -~]*');

-- fold_letters: upper case, everything but the letters A-Z dropped.
create or replace macro normalise_ascii_fold(text) as
    regexp_replace(upper(text), '[^A-Z]+', '', 'g');

-- str.split(): the words of a text, none for a blank one.
create or replace macro normalise_ascii_words(text) as
    list_filter(string_split_regex(text, ' +'), lambda word: word <> '');

-- _strip_dob: a date of birth, in either form, replaced by a space.
create or replace macro normalise_ascii_strip_dob(text) as
    regexp_replace(
        regexp_replace(text, '\b(\d{1,2})/(\d{1,2})/(\d{4})\b', ' ', 'g'),
        '\b(\d{4})-(\d{2})-(\d{2})\b', ' ', 'g'
    );

-- split_name: {surname, forenames}, or null when there is no name. A comma marks the surname;
-- otherwise, in mixed case, the run of upper-case words at the end is the surname (the C&C
-- writes `Forename SURNAME`: the longest run of words at the end with a capital and no small
-- letter, after at least one word); otherwise the first word is the forename. The pattern is
-- matched before it is extracted because most names are not mixed case, and a match is cheaper.
create or replace macro normalise_ascii_split_name(text) as
    list_transform([trim(normalise_ascii_strip_dob(text))], lambda cleaned:
        case
            when cleaned = '' then null
            when contains(cleaned, ',') then {
                'surname': trim(split_part(cleaned, ',', 1)),
                'forenames': trim(substr(cleaned, strpos(cleaned, ',') + 1))
            }
            when not contains(cleaned, ' ') then {'surname': cleaned, 'forenames': ''}
            when regexp_matches(cleaned, '[a-z]') and regexp_matches(
                cleaned, '^([^ ]+(?: +[^ ]+)*?) +((?:[^a-z ]*[A-Z][^a-z ]* +)*[^a-z ]*[A-Z][^a-z ]*)$'
            ) then list_transform([regexp_extract(
                cleaned,
                '^([^ ]+(?: +[^ ]+)*?) +((?:[^a-z ]*[A-Z][^a-z ]* +)*[^a-z ]*[A-Z][^a-z ]*)$',
                ['forenames', 'surname']
            )], lambda tail: {'surname': tail.surname, 'forenames': tail.forenames})[1]
            else {
                'surname': substr(cleaned, strpos(cleaned, ' ') + 1),
                'forenames': split_part(cleaned, ' ', 1)
            }
        end
    )[1];

-- One `SURNAMEKEY:INITIAL` reading from the surname's folded words and the folded forename, or
-- null where name_readings' add() adds nothing (no initial, or a surname of initials only).
create or replace macro normalise_ascii_reading(surname_words, forename) as
    case
        when left(forename, 1) <> '' and len(list_filter(surname_words, lambda word: length(word) >= 2)) > 0
            then array_to_string(surname_words, '') || ':' || left(forename, 1)
    end;

-- name_readings' readings in its order, each once; null when there are none.
create or replace macro normalise_ascii_name_readings(text) as
    list_transform([trim(normalise_ascii_strip_dob(text))], lambda cleaned:
        list_transform([
            case
                when contains(cleaned, ',') then [
                    normalise_ascii_reading(
                        list_transform(
                            normalise_ascii_words(split_part(cleaned, ',', 1)),
                            lambda word: normalise_ascii_fold(word)
                        ),
                        normalise_ascii_fold(
                            coalesce(normalise_ascii_words(substr(cleaned, strpos(cleaned, ',') + 1))[1], '')
                        )
                    )
                ]
                else list_transform([normalise_ascii_split_name(cleaned)], lambda marked:
                    list_transform([
                        list_filter(
                            list_transform(normalise_ascii_words(cleaned), lambda word: normalise_ascii_fold(word)),
                            lambda word: word <> ''
                        )[1:6]  -- _MAX_NAME_WORDS
                    ], lambda words:
                        [
                            case when marked.forenames <> '' then normalise_ascii_reading(
                                list_transform(
                                    normalise_ascii_words(marked.surname), lambda word: normalise_ascii_fold(word)
                                ),
                                normalise_ascii_fold(split_part(marked.forenames, ' ', 1))
                            ) end
                        ]
                        || flatten(list_transform(range(1, len(words)), lambda k: [
                            normalise_ascii_reading(words[k + 1:], words[1]),  -- forename first
                            normalise_ascii_reading(words[1:k], words[k + 1])  -- surname first
                        ]))
                    )[1]
                )[1]
            end
        ], lambda readings: nullif(array_to_string(list_filter(
            readings, lambda reading, i: reading is not null and list_position(readings, reading) = i
        ), '|'), ''))[1]
    )[1];

-- dob_in_text: the first day/month/year date, else the first ISO date, as YYYY-MM-DD if its
-- day and month are in range.
create or replace macro normalise_ascii_dob_in_text(text) as
    list_transform([
        case
            when regexp_matches(text, '\b(\d{1,2})/(\d{1,2})/(\d{4})\b')
                then regexp_extract(text, '\b(\d{1,2})/(\d{1,2})/(\d{4})\b', ['day', 'month', 'year'])
            else regexp_extract(text, '\b(\d{4})-(\d{2})-(\d{2})\b', ['year', 'month', 'day'])
        end
    ], lambda found:
        case
            when try_cast(found.month as integer) between 1 and 12
                and try_cast(found.day as integer) between 1 and 31
                then printf(
                    '%04d-%02d-%02d',
                    cast(found.year as integer), cast(found.month as integer), cast(found.day as integer)
                )
        end
    )[1];

-- postcode: the first UK postcode, upper case, one space before its last three characters.
create or replace macro normalise_ascii_postcode(text) as
    list_transform([
        regexp_extract(upper(text), '\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b', ['outward', 'inward'])
    ], lambda found: case when found.outward <> '' then found.outward || ' ' || found.inward end)[1];

-- building_and_street: {building, street}, or null. Apostrophes dropped and postcodes blanked
-- as the Python does, then the first building number with a street after it (the pattern of
-- dacall.normalise.street_words), the street's words expanded by config/address.yml's
-- abbreviations.
create or replace macro normalise_ascii_building_and_street(text) as
    list_transform([
        regexp_extract(
            regexp_replace(
                replace(upper(text), '''', ''), '\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b', ' ', 'g'
            ),
            __STREET_PATTERN__,
            ['building', 'words', 'ender']
        )
    ], lambda found:
        case when found.building <> '' then {
            'building': found.building,
            'street': array_to_string(list_transform(
                regexp_extract_all(found.words || ' ' || found.ender, '[A-Z]+'),
                lambda word: coalesce(__STREET_ABBREVIATIONS__[word], word)
            ), ' ')
        } end
    )[1];

-- e164's digits, as it reads them: `(0)` dropped, then everything but the digits 0-9.
create or replace macro normalise_ascii_phone_digits(text) as
    regexp_replace(replace(text, '(0)', ''), '[^0-9]+', '', 'g');

-- e164 for the two forms of a UK number it reads most: the national form (a 0, then ten digits
-- not starting with 0; not after a +) is +44 and the ten digits, and the international form
-- (44 and ten digits not starting with 0, after an optional 00 or +) is + and those twelve.
-- phonenumbers reads both so for Great Britain: it strips the national prefix 0 where ten
-- digits remain, and every ten-digit national number is a possible one. Any other form is
-- null here, and e164 reads it in Python.
create or replace macro normalise_ascii_e164(text) as
    list_transform([normalise_ascii_phone_digits(text)], lambda digits:
        case
            when regexp_full_match(digits, '0[1-9][0-9]{9}') and not starts_with(ltrim(text), '+')
                then '+44' || substr(digits, 2)
            when regexp_full_match(digits, '(00)?44[1-9][0-9]{9}') then '+' || right(digits, 12)
        end
    )[1];


-- The functions the models call: SQL for plain text, Python for the rest. Null, and for the
-- functions that always call Python empty text too (every dacall.normalise function reads it as
-- null), is null without a call into Python, which would still wait for the interpreter's lock:
-- a force-year's PND audit has half a million rows with an empty address or telephone.

create or replace macro normalise_fold(text) as
    case
        when text is null then null
        when normalise_is_plain(text) then nullif(normalise_ascii_fold(text), '')
        else dacall_fold(text)
    end;

-- The keys are read in SQL for every row first and the result picked after, rather than read
-- inside a CASE branch: DuckDB runs these lambdas about three times slower on the rows a CASE
-- selects (a force-year's RMS names: forename key 1.3 s, 0.6 s so). Text that is not plain is
-- then read again in Python.
create or replace macro normalise_surname_key(text) as
    list_transform([nullif(normalise_ascii_fold(normalise_ascii_split_name(text).surname), '')],
        lambda read_in_sql: case
            when text is null then null
            when normalise_is_plain(text) then read_in_sql
            else dacall_surname_key(text)
        end
    )[1];

create or replace macro normalise_first_forename(text) as
    list_transform([nullif(
        normalise_ascii_fold(split_part(normalise_ascii_split_name(text).forenames, ' ', 1)), ''
    )],
        lambda read_in_sql: case
            when text is null then null
            when normalise_is_plain(text) then read_in_sql
            else dacall_first_forename(text)
        end
    )[1];

-- forename_initial is the first forename's first letter, whichever path read it.
create or replace macro normalise_forename_initial(text) as
    left(normalise_first_forename(text), 1);

create or replace macro normalise_name_readings(text) as
    case
        when text is null then null
        when normalise_is_plain(text) then normalise_ascii_name_readings(text)
        else dacall_name_readings(text)
    end;

create or replace macro normalise_dob_in_text(text) as
    case
        when text is null then null
        when normalise_is_plain(text) then normalise_ascii_dob_in_text(text)
        else dacall_dob_in_text(text)
    end;

create or replace macro normalise_postcode(text) as
    case
        when text is null then null
        when normalise_is_plain(text) then normalise_ascii_postcode(text)
        else dacall_postcode(text)
    end;

-- normalise_building and normalise_street_key read the pattern outside their case, through
-- list_transform: a model selects both of the same text, and DuckDB then reads the pattern once
-- for the two (inside the case, twice: 1.0 s against 0.57 s for 379,209 addresses together,
-- the same alone).
create or replace macro normalise_building(text) as
    list_transform([normalise_ascii_building_and_street(text).building], lambda read_in_sql:
        case
            when text is null or text = '' then null
            when normalise_is_plain(text) then read_in_sql
            else dacall_building(text)
        end
    )[1];

create or replace macro normalise_street_key(text) as
    list_transform([normalise_ascii_building_and_street(text).street], lambda read_in_sql:
        case
            when text is null or text = '' then null
            when normalise_is_plain(text) then read_in_sql
            else dacall_street_key(text)
        end
    )[1];

create or replace macro normalise_e164(text) as
    list_transform([
        case when text is not null and normalise_is_plain(text) then normalise_ascii_e164(text) end
    ], lambda read_in_sql:
        case
            when text is null or text = '' then null
            when read_in_sql is not null then read_in_sql
            else dacall_e164(text)
        end
    )[1];
