"""Small built-in lists the demo people and places are drawn from. All invented."""

from __future__ import annotations

FEMALE_FIRST = (
    "Olivia Emma Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Ella Elizabeth "
    "Camila Luna Sofia Avery Mila Aria Scarlett Penelope Layla Chloe Victoria Madison Eleanor "
    "Grace Nora Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoe Stella Aurora Natalie "
    "Emilia Everly Leah Aubrey Willow Addison Lucy Audrey Bella Nova Brooklyn Paisley Savannah "
    "Claire Skylar Isla Genesis Naomi Elena Caroline Eliana Anna Maya Valentina Ruby Kennedy "
    "Ivy Ariana Aaliyah Cora Madelyn Alice Kinsley Hailey Gabriella Allison Gianna Serenity "
    "Samantha Sarah Autumn Quinn Eva Piper Sophie Sadie Delilah Josephine Nevaeh Adeline Maria "
    "Linda Barbara Patricia Susan Margaret Dorothy Carol Nancy Betty Sandra Donna Sharon "
    "Deborah Karen Ruth Joyce Diane Janet Gloria Teresa Judith Rose Frances Jean Alma Mei "
    "Priya Fatima Aisha Ngozi Yuki Keiko Lucia Rosa Guadalupe Thi Lan Anh Ingrid Marta"
).split()

MALE_FIRST = (
    "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi Alexander "
    "Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden "
    "John Joseph Wyatt David Leo Luke Julian Hudson Grayson Matthew Ezra Gabriel Carter Isaac "
    "Jayden Luca Anthony Dylan Lincoln Thomas Maverick Elias Josiah Charles Caleb Christopher "
    "Ezekiel Miles Jaxon Isaiah Andrew Joshua Nathan Nolan Adrian Cameron Santiago Eli Aaron "
    "Ryan Angel Cooper Waylon Easton Kai Christian Landon Colton Roman Axel Brooks Jonathan "
    "Robert Jameson Ian Everett Greyson Wesley Jeremiah Hunter Leonardo Jordan Jose Bennett "
    "Richard Donald George Kenneth Steven Edward Brian Ronald Kevin Timothy Jason Jeffrey "
    "Gary Larry Frank Scott Eric Stephen Raymond Gregory Dennis Walter Patrick Peter Harold "
    "Douglas Carl Arthur Gerald Roger Albert Wayne Ralph Eugene Russell Bobby Howard Rahul "
    "Arjun Wei Hiroshi Kenji Chidi Emeka Omar Tariq Minh Duc Jorge Luis Carlos Miguel Lars"
).split()

LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry "
    "Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons "
    "Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West "
    "Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro "
    "Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry "
    "Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez "
    "Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd "
    "Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols "
    "Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce "
    "Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll "
    "Lane Riley Andrews Ray Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter "
    "Lawrence Sandoval Okafor Nakamura Tanaka Yamamoto Singh Shah Kaur Haddad Novak Kowalski "
    "Lindqvist Johansson Nielsen Okonkwo Adeyemi Mensah Pham Vu Huynh Le Park Choi Wang Zhang Liu"
).split()

MIDDLE_INITIALS = "A B C D E F G H J K L M N P R S T W".split()

STREETS = (
    "Alder Ash Aspen Birch Cedar Cherry Chestnut Cypress Dogwood Elm Fir Hawthorn Hemlock "
    "Hickory Juniper Larch Laurel Linden Madrona Magnolia Maple Oak Pine Poplar Redwood Sequoia "
    "Spruce Sycamore Willow Yew Lincoln Jefferson Madison Monroe Jackson Grant Hayes Garfield "
    "Arthur Cleveland Harrison Taylor Fillmore Pierce Polk Tyler Adams Clinton Division Powell "
    "Burnside Hawthorne Belmont Stark Alberta Killingsworth Fremont Sandy Halsey Glisan Foster"
).split()

STREET_KINDS = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Pl", "Blvd")

# (city, state, ZIP codes) — the practice's catchment area.
CITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Portland", "OR", ("97201", "97202", "97206", "97211", "97214", "97217", "97219", "97230")),
    ("Beaverton", "OR", ("97005", "97006", "97007", "97008")),
    ("Hillsboro", "OR", ("97123", "97124")),
    ("Gresham", "OR", ("97030", "97080")),
    ("Tigard", "OR", ("97223", "97224")),
    ("Lake Oswego", "OR", ("97034", "97035")),
    ("Milwaukie", "OR", ("97222", "97267")),
    ("Vancouver", "WA", ("98660", "98661", "98662", "98664", "98682", "98684", "98686")),
    ("Camas", "WA", ("98607",)),
    ("Battle Ground", "WA", ("98604",)),
)

# Weights for CITIES: most patients live close to the practice.
CITY_WEIGHTS = (30, 12, 8, 8, 6, 4, 4, 16, 6, 6)

AREA_CODES = {"OR": ("503", "971"), "WA": ("360", "564")}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
