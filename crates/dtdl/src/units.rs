//! Semantic types, unit types and units: DTDL v2 (native) and the DTDL v3 QuantitativeTypes v1
//! extension. Generated from the tables in `DTDL.v2.md` and `DTDL.quantitativeTypes.v1.md`.
//!
//! Invariant: every unit type named in a `SemanticType` row has a row in the matching unit table.

/// One semantic type: its name and the unit type its `unit` must belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SemanticType {
    pub(crate) name: &'static str,
    pub(crate) unit_type: &'static str,
}

/// One unit type and its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnitType {
    pub(crate) name: &'static str,
    pub(crate) units: &'static [&'static str],
}

pub(crate) const V2_SEMANTIC_TYPES: &[SemanticType] = &[
    SemanticType {
        name: "Acceleration",
        unit_type: "AccelerationUnit",
    },
    SemanticType {
        name: "Angle",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "AngularAcceleration",
        unit_type: "AngularAccelerationUnit",
    },
    SemanticType {
        name: "AngularVelocity",
        unit_type: "AngularVelocityUnit",
    },
    SemanticType {
        name: "Area",
        unit_type: "AreaUnit",
    },
    SemanticType {
        name: "Capacitance",
        unit_type: "CapacitanceUnit",
    },
    SemanticType {
        name: "Current",
        unit_type: "CurrentUnit",
    },
    SemanticType {
        name: "DataRate",
        unit_type: "DataRateUnit",
    },
    SemanticType {
        name: "DataSize",
        unit_type: "DataSizeUnit",
    },
    SemanticType {
        name: "Density",
        unit_type: "DensityUnit",
    },
    SemanticType {
        name: "Distance",
        unit_type: "LengthUnit",
    },
    SemanticType {
        name: "ElectricCharge",
        unit_type: "ChargeUnit",
    },
    SemanticType {
        name: "Energy",
        unit_type: "EnergyUnit",
    },
    SemanticType {
        name: "Force",
        unit_type: "ForceUnit",
    },
    SemanticType {
        name: "Frequency",
        unit_type: "FrequencyUnit",
    },
    SemanticType {
        name: "Humidity",
        unit_type: "DensityUnit",
    },
    SemanticType {
        name: "Illuminance",
        unit_type: "IlluminanceUnit",
    },
    SemanticType {
        name: "Inductance",
        unit_type: "InductanceUnit",
    },
    SemanticType {
        name: "Latitude",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "Length",
        unit_type: "LengthUnit",
    },
    SemanticType {
        name: "Longitude",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "Luminance",
        unit_type: "LuminanceUnit",
    },
    SemanticType {
        name: "Luminosity",
        unit_type: "PowerUnit",
    },
    SemanticType {
        name: "LuminousFlux",
        unit_type: "LuminousFluxUnit",
    },
    SemanticType {
        name: "LuminousIntensity",
        unit_type: "LuminousIntensityUnit",
    },
    SemanticType {
        name: "MagneticFlux",
        unit_type: "MagneticFluxUnit",
    },
    SemanticType {
        name: "MagneticInduction",
        unit_type: "MagneticInductionUnit",
    },
    SemanticType {
        name: "Mass",
        unit_type: "MassUnit",
    },
    SemanticType {
        name: "MassFlowRate",
        unit_type: "MassFlowRateUnit",
    },
    SemanticType {
        name: "Power",
        unit_type: "PowerUnit",
    },
    SemanticType {
        name: "Pressure",
        unit_type: "PressureUnit",
    },
    SemanticType {
        name: "RelativeHumidity",
        unit_type: "Unitless",
    },
    SemanticType {
        name: "Resistance",
        unit_type: "ResistanceUnit",
    },
    SemanticType {
        name: "SoundPressure",
        unit_type: "SoundPressureUnit",
    },
    SemanticType {
        name: "Temperature",
        unit_type: "TemperatureUnit",
    },
    SemanticType {
        name: "Thrust",
        unit_type: "ForceUnit",
    },
    SemanticType {
        name: "TimeSpan",
        unit_type: "TimeUnit",
    },
    SemanticType {
        name: "Torque",
        unit_type: "TorqueUnit",
    },
    SemanticType {
        name: "Velocity",
        unit_type: "VelocityUnit",
    },
    SemanticType {
        name: "Voltage",
        unit_type: "VoltageUnit",
    },
    SemanticType {
        name: "Volume",
        unit_type: "VolumeUnit",
    },
    SemanticType {
        name: "VolumeFlowRate",
        unit_type: "VolumeFlowRateUnit",
    },
];

pub(crate) const V2_UNIT_TYPES: &[UnitType] = &[
    UnitType {
        name: "AccelerationUnit",
        units: &[
            "centimetrePerSecondSquared",
            "gForce",
            "metrePerSecondSquared",
        ],
    },
    UnitType {
        name: "AngleUnit",
        units: &[
            "degreeOfArc",
            "minuteOfArc",
            "radian",
            "secondOfArc",
            "turn",
        ],
    },
    UnitType {
        name: "AngularAccelerationUnit",
        units: &["radianPerSecondSquared"],
    },
    UnitType {
        name: "AngularVelocityUnit",
        units: &[
            "degreePerSecond",
            "radianPerSecond",
            "revolutionPerMinute",
            "revolutionPerSecond",
        ],
    },
    UnitType {
        name: "AreaUnit",
        units: &[
            "acre",
            "hectare",
            "squareCentimetre",
            "squareFoot",
            "squareInch",
            "squareKilometre",
            "squareMetre",
            "squareMillimetre",
        ],
    },
    UnitType {
        name: "CapacitanceUnit",
        units: &[
            "farad",
            "microfarad",
            "millifarad",
            "nanofarad",
            "picofarad",
        ],
    },
    UnitType {
        name: "ChargeUnit",
        units: &["coulomb"],
    },
    UnitType {
        name: "CurrentUnit",
        units: &["ampere", "microampere", "milliampere"],
    },
    UnitType {
        name: "DataRateUnit",
        units: &[
            "bitPerSecond",
            "bytePerSecond",
            "exbibitPerSecond",
            "exbibytePerSecond",
            "gibibitPerSecond",
            "gibibytePerSecond",
            "kibibitPerSecond",
            "kibibytePerSecond",
            "mebibitPerSecond",
            "mebibytePerSecond",
            "tebibitPerSecond",
            "tebibytePerSecond",
            "yobibitPerSecond",
            "yobibytePerSecond",
            "zebibitPerSecond",
            "zebibytePerSecond",
        ],
    },
    UnitType {
        name: "DataSizeUnit",
        units: &[
            "bit", "byte", "exbibit", "exbibyte", "gibibit", "gibibyte", "kibibit", "kibibyte",
            "mebibit", "mebibyte", "tebibit", "tebibyte", "yobibit", "yobibyte", "zebibit",
            "zebibyte",
        ],
    },
    UnitType {
        name: "DensityUnit",
        units: &["gramPerCubicMetre", "kilogramPerCubicMetre"],
    },
    UnitType {
        name: "EnergyUnit",
        units: &[
            "electronvolt",
            "gigajoule",
            "joule",
            "kilojoule",
            "kilowattHour",
            "megaelectronvolt",
            "megajoule",
        ],
    },
    UnitType {
        name: "ForceUnit",
        units: &["newton", "ounce", "pound", "ton"],
    },
    UnitType {
        name: "FrequencyUnit",
        units: &["gigahertz", "hertz", "kilohertz", "megahertz"],
    },
    UnitType {
        name: "IlluminanceUnit",
        units: &["footcandle", "lux"],
    },
    UnitType {
        name: "InductanceUnit",
        units: &["henry", "microhenry", "millihenry"],
    },
    UnitType {
        name: "LengthUnit",
        units: &[
            "astronomicalUnit",
            "centimetre",
            "foot",
            "inch",
            "kilometre",
            "metre",
            "micrometre",
            "mile",
            "millimetre",
            "nanometre",
            "nauticalMile",
        ],
    },
    UnitType {
        name: "LuminanceUnit",
        units: &["candelaPerSquareMetre"],
    },
    UnitType {
        name: "LuminousFluxUnit",
        units: &["lumen"],
    },
    UnitType {
        name: "LuminousIntensityUnit",
        units: &["candela"],
    },
    UnitType {
        name: "MagneticFluxUnit",
        units: &["maxwell", "weber"],
    },
    UnitType {
        name: "MagneticInductionUnit",
        units: &["tesla"],
    },
    UnitType {
        name: "MassFlowRateUnit",
        units: &[
            "gramPerHour",
            "gramPerSecond",
            "kilogramPerHour",
            "kilogramPerSecond",
        ],
    },
    UnitType {
        name: "MassUnit",
        units: &[
            "gram",
            "kilogram",
            "microgram",
            "milligram",
            "slug",
            "tonne",
        ],
    },
    UnitType {
        name: "PowerUnit",
        units: &[
            "gigawatt",
            "horsepower",
            "kilowatt",
            "kilowattHourPerYear",
            "megawatt",
            "microwatt",
            "milliwatt",
            "watt",
        ],
    },
    UnitType {
        name: "PressureUnit",
        units: &[
            "bar",
            "inchesOfMercury",
            "inchesOfWater",
            "kilopascal",
            "millibar",
            "millimetresOfMercury",
            "pascal",
            "poundPerSquareInch",
        ],
    },
    UnitType {
        name: "ResistanceUnit",
        units: &["kiloohm", "megaohm", "milliohm", "ohm"],
    },
    UnitType {
        name: "SoundPressureUnit",
        units: &["bel", "decibel"],
    },
    UnitType {
        name: "TemperatureUnit",
        units: &["degreeCelsius", "degreeFahrenheit", "kelvin"],
    },
    UnitType {
        name: "TimeUnit",
        units: &[
            "day",
            "hour",
            "microsecond",
            "millisecond",
            "minute",
            "nanosecond",
            "second",
            "year",
        ],
    },
    UnitType {
        name: "TorqueUnit",
        units: &["newtonMetre"],
    },
    UnitType {
        name: "Unitless",
        units: &["percent", "unity"],
    },
    UnitType {
        name: "VelocityUnit",
        units: &[
            "centimetrePerSecond",
            "kilometrePerHour",
            "kilometrePerSecond",
            "knot",
            "metrePerHour",
            "metrePerSecond",
            "milePerHour",
            "milePerSecond",
        ],
    },
    UnitType {
        name: "VoltageUnit",
        units: &["kilovolt", "megavolt", "microvolt", "millivolt", "volt"],
    },
    UnitType {
        name: "VolumeFlowRateUnit",
        units: &[
            "litrePerHour",
            "litrePerSecond",
            "millilitrePerHour",
            "millilitrePerSecond",
        ],
    },
    UnitType {
        name: "VolumeUnit",
        units: &[
            "cubicCentimetre",
            "cubicFoot",
            "cubicInch",
            "cubicMetre",
            "fluidOunce",
            "gallon",
            "litre",
            "millilitre",
        ],
    },
];

pub(crate) const QT_V1_SEMANTIC_TYPES: &[SemanticType] = &[
    SemanticType {
        name: "Acceleration",
        unit_type: "AccelerationUnit",
    },
    SemanticType {
        name: "Angle",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "AngularAcceleration",
        unit_type: "AngularAccelerationUnit",
    },
    SemanticType {
        name: "AngularVelocity",
        unit_type: "AngularVelocityUnit",
    },
    SemanticType {
        name: "ApparentEnergy",
        unit_type: "ApparentEnergyUnit",
    },
    SemanticType {
        name: "ApparentPower",
        unit_type: "ApparentPowerUnit",
    },
    SemanticType {
        name: "Area",
        unit_type: "AreaUnit",
    },
    SemanticType {
        name: "Capacitance",
        unit_type: "CapacitanceUnit",
    },
    SemanticType {
        name: "Concentration",
        unit_type: "Unitless",
    },
    SemanticType {
        name: "Current",
        unit_type: "CurrentUnit",
    },
    SemanticType {
        name: "DataRate",
        unit_type: "DataRateUnit",
    },
    SemanticType {
        name: "DataSize",
        unit_type: "DataSizeUnit",
    },
    SemanticType {
        name: "Density",
        unit_type: "DensityUnit",
    },
    SemanticType {
        name: "Distance",
        unit_type: "LengthUnit",
    },
    SemanticType {
        name: "ElectricCharge",
        unit_type: "ChargeUnit",
    },
    SemanticType {
        name: "Energy",
        unit_type: "EnergyUnit",
    },
    SemanticType {
        name: "EnergyRate",
        unit_type: "PowerUnit",
    },
    SemanticType {
        name: "Force",
        unit_type: "ForceUnit",
    },
    SemanticType {
        name: "Frequency",
        unit_type: "FrequencyUnit",
    },
    SemanticType {
        name: "Humidity",
        unit_type: "DensityUnit",
    },
    SemanticType {
        name: "Illuminance",
        unit_type: "IlluminanceUnit",
    },
    SemanticType {
        name: "Inductance",
        unit_type: "InductanceUnit",
    },
    SemanticType {
        name: "IonizingRadiationDose",
        unit_type: "IonizingRadiationDoseUnit",
    },
    SemanticType {
        name: "Irradiance",
        unit_type: "IrradianceUnit",
    },
    SemanticType {
        name: "Latitude",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "Length",
        unit_type: "LengthUnit",
    },
    SemanticType {
        name: "Longitude",
        unit_type: "AngleUnit",
    },
    SemanticType {
        name: "Luminance",
        unit_type: "LuminanceUnit",
    },
    SemanticType {
        name: "Luminosity",
        unit_type: "PowerUnit",
    },
    SemanticType {
        name: "LuminousFlux",
        unit_type: "LuminousFluxUnit",
    },
    SemanticType {
        name: "LuminousIntensity",
        unit_type: "LuminousIntensityUnit",
    },
    SemanticType {
        name: "MagneticFlux",
        unit_type: "MagneticFluxUnit",
    },
    SemanticType {
        name: "MagneticInduction",
        unit_type: "MagneticInductionUnit",
    },
    SemanticType {
        name: "Mass",
        unit_type: "MassUnit",
    },
    SemanticType {
        name: "MassFlowRate",
        unit_type: "MassFlowRateUnit",
    },
    SemanticType {
        name: "Power",
        unit_type: "PowerUnit",
    },
    SemanticType {
        name: "Pressure",
        unit_type: "PressureUnit",
    },
    SemanticType {
        name: "Radioactivity",
        unit_type: "RadioactivityUnit",
    },
    SemanticType {
        name: "ReactiveEnergy",
        unit_type: "ReactiveEnergyUnit",
    },
    SemanticType {
        name: "ReactivePower",
        unit_type: "ReactivePowerUnit",
    },
    SemanticType {
        name: "RelativeDensity",
        unit_type: "Unitless",
    },
    SemanticType {
        name: "RelativeHumidity",
        unit_type: "Unitless",
    },
    SemanticType {
        name: "Resistance",
        unit_type: "ResistanceUnit",
    },
    SemanticType {
        name: "SoundPressure",
        unit_type: "SoundPressureUnit",
    },
    SemanticType {
        name: "Temperature",
        unit_type: "TemperatureUnit",
    },
    SemanticType {
        name: "Thrust",
        unit_type: "ForceUnit",
    },
    SemanticType {
        name: "TimeSpan",
        unit_type: "TimeUnit",
    },
    SemanticType {
        name: "Torque",
        unit_type: "TorqueUnit",
    },
    SemanticType {
        name: "Velocity",
        unit_type: "VelocityUnit",
    },
    SemanticType {
        name: "Voltage",
        unit_type: "VoltageUnit",
    },
    SemanticType {
        name: "Volume",
        unit_type: "VolumeUnit",
    },
    SemanticType {
        name: "VolumeFlowRate",
        unit_type: "VolumeFlowRateUnit",
    },
];

pub(crate) const QT_V1_UNIT_TYPES: &[UnitType] = &[
    UnitType {
        name: "AccelerationUnit",
        units: &[
            "centimetrePerSecondSquared",
            "gForce",
            "metrePerSecondSquared",
        ],
    },
    UnitType {
        name: "AngleUnit",
        units: &[
            "degreeOfArc",
            "minuteOfArc",
            "radian",
            "secondOfArc",
            "turn",
        ],
    },
    UnitType {
        name: "AngularAccelerationUnit",
        units: &["radianPerSecondSquared"],
    },
    UnitType {
        name: "AngularVelocityUnit",
        units: &[
            "degreePerSecond",
            "radianPerSecond",
            "revolutionPerMinute",
            "revolutionPerSecond",
        ],
    },
    UnitType {
        name: "ApparentEnergyUnit",
        units: &[
            "gigavoltAmpereHour",
            "kilovoltAmpereHour",
            "megavoltAmpereHour",
            "voltAmpereHour",
        ],
    },
    UnitType {
        name: "ApparentPowerUnit",
        units: &[
            "gigavoltAmpere",
            "kilovoltAmpere",
            "megavoltAmpere",
            "millivoltAmpere",
            "voltAmpere",
        ],
    },
    UnitType {
        name: "AreaUnit",
        units: &[
            "acre",
            "hectare",
            "squareCentimetre",
            "squareFoot",
            "squareInch",
            "squareKilometre",
            "squareMetre",
            "squareMillimetre",
        ],
    },
    UnitType {
        name: "CapacitanceUnit",
        units: &[
            "farad",
            "microfarad",
            "millifarad",
            "nanofarad",
            "picofarad",
        ],
    },
    UnitType {
        name: "ChargeUnit",
        units: &["ampereHour", "coulomb", "milliampereHour"],
    },
    UnitType {
        name: "CurrentUnit",
        units: &["ampere", "kiloampere", "microampere", "milliampere"],
    },
    UnitType {
        name: "DataRateUnit",
        units: &[
            "bitPerSecond",
            "bytePerSecond",
            "exbibitPerSecond",
            "exbibytePerSecond",
            "gibibitPerSecond",
            "gibibytePerSecond",
            "kibibitPerSecond",
            "kibibytePerSecond",
            "mebibitPerSecond",
            "mebibytePerSecond",
            "tebibitPerSecond",
            "tebibytePerSecond",
            "yobibitPerSecond",
            "yobibytePerSecond",
            "zebibitPerSecond",
            "zebibytePerSecond",
        ],
    },
    UnitType {
        name: "DataSizeUnit",
        units: &[
            "bit", "byte", "exbibit", "exbibyte", "gibibit", "gibibyte", "kibibit", "kibibyte",
            "mebibit", "mebibyte", "tebibit", "tebibyte", "yobibit", "yobibyte", "zebibit",
            "zebibyte",
        ],
    },
    UnitType {
        name: "DensityUnit",
        units: &[
            "gramPerCubicMetre",
            "kilogramPerCubicMetre",
            "microgramPerCubicMetre",
            "milligramPerCubicMetre",
        ],
    },
    UnitType {
        name: "EnergyUnit",
        units: &[
            "britishThermalUnit",
            "electronvolt",
            "gigajoule",
            "gigawattHour",
            "joule",
            "kiloBritishThermalUnit",
            "kilojoule",
            "kilowattHour",
            "megaelectronvolt",
            "megajoule",
            "megawattHour",
            "milliwattHour",
            "terawattHour",
            "wattHour",
        ],
    },
    UnitType {
        name: "ForceUnit",
        units: &["newton", "ounce", "pound", "ton"],
    },
    UnitType {
        name: "FrequencyUnit",
        units: &["gigahertz", "hertz", "kilohertz", "megahertz", "millihertz"],
    },
    UnitType {
        name: "IlluminanceUnit",
        units: &["footcandle", "lux"],
    },
    UnitType {
        name: "InductanceUnit",
        units: &["henry", "microhenry", "millihenry"],
    },
    UnitType {
        name: "IonizingRadiationDoseUnit",
        units: &[
            "gray",
            "microgray",
            "microsievert",
            "milligray",
            "millisievert",
            "sievert",
        ],
    },
    UnitType {
        name: "IrradianceUnit",
        units: &["wattPerSquareMetre"],
    },
    UnitType {
        name: "LengthUnit",
        units: &[
            "astronomicalUnit",
            "centimetre",
            "foot",
            "inch",
            "kilometre",
            "metre",
            "micrometre",
            "mile",
            "millimetre",
            "nanometre",
            "nauticalMile",
        ],
    },
    UnitType {
        name: "LuminanceUnit",
        units: &["candelaPerSquareMetre"],
    },
    UnitType {
        name: "LuminousFluxUnit",
        units: &["lumen"],
    },
    UnitType {
        name: "LuminousIntensityUnit",
        units: &["candela"],
    },
    UnitType {
        name: "MagneticFluxUnit",
        units: &["maxwell", "weber"],
    },
    UnitType {
        name: "MagneticInductionUnit",
        units: &["gauss", "tesla"],
    },
    UnitType {
        name: "MassFlowRateUnit",
        units: &[
            "gramPerHour",
            "gramPerSecond",
            "kilogramPerHour",
            "kilogramPerSecond",
            "massPoundPerHour",
        ],
    },
    UnitType {
        name: "MassUnit",
        units: &[
            "gram",
            "kilogram",
            "massPound",
            "microgram",
            "milligram",
            "slug",
            "tonne",
        ],
    },
    UnitType {
        name: "PowerUnit",
        units: &[
            "britishThermalUnitPerHour",
            "gigajoulePerHour",
            "gigawatt",
            "horsepower",
            "joulePerHour",
            "joulePerSecond",
            "kiloBritishThermalUnitPerHour",
            "kilojoulePerHour",
            "kilojoulePerSecond",
            "kilowatt",
            "kilowattHourPerYear",
            "megajoulePerHour",
            "megawatt",
            "microwatt",
            "milliwatt",
            "tonOfRefrigeration",
            "watt",
        ],
    },
    UnitType {
        name: "PressureUnit",
        units: &[
            "bar",
            "decapascal",
            "hectopascal",
            "inchesOfMercury",
            "inchesOfWater",
            "kilopascal",
            "millibar",
            "millimetresOfMercury",
            "pascal",
            "poundPerSquareInch",
        ],
    },
    UnitType {
        name: "RadioactivityUnit",
        units: &[
            "becquerel",
            "gigabecquerel",
            "kilobecquerel",
            "megabecquerel",
        ],
    },
    UnitType {
        name: "ReactiveEnergyUnit",
        units: &[
            "gigavoltAmpereReactiveHour",
            "kilovoltAmpereReactiveHour",
            "megavoltAmpereReactiveHour",
            "voltAmpereReactiveHour",
        ],
    },
    UnitType {
        name: "ReactivePowerUnit",
        units: &[
            "gigavoltAmpereReactive",
            "kilovoltAmpereReactive",
            "megavoltAmpereReactive",
            "millivoltAmpereReactive",
            "voltAmpereReactive",
        ],
    },
    UnitType {
        name: "ResistanceUnit",
        units: &["kiloohm", "megaohm", "milliohm", "ohm"],
    },
    UnitType {
        name: "SoundPressureUnit",
        units: &["bel", "decibel"],
    },
    UnitType {
        name: "TemperatureUnit",
        units: &["degreeCelsius", "degreeFahrenheit", "kelvin"],
    },
    UnitType {
        name: "TimeUnit",
        units: &[
            "day",
            "hour",
            "microsecond",
            "millisecond",
            "minute",
            "nanosecond",
            "second",
            "year",
        ],
    },
    UnitType {
        name: "TorqueUnit",
        units: &["newtonMetre"],
    },
    UnitType {
        name: "Unitless",
        units: &[
            "partsPerBillion",
            "partsPerMillion",
            "partsPerQuadrillion",
            "partsPerTrillion",
            "percent",
            "unity",
        ],
    },
    UnitType {
        name: "VelocityUnit",
        units: &[
            "centimetrePerSecond",
            "kilometrePerHour",
            "kilometrePerSecond",
            "knot",
            "metrePerHour",
            "metrePerSecond",
            "milePerHour",
            "milePerSecond",
        ],
    },
    UnitType {
        name: "VoltageUnit",
        units: &["kilovolt", "megavolt", "microvolt", "millivolt", "volt"],
    },
    UnitType {
        name: "VolumeFlowRateUnit",
        units: &[
            "cubicFootPerMinute",
            "cubicMetrePerHour",
            "cubicMetrePerMinute",
            "cubicMetrePerSecond",
            "gallonPerHour",
            "gallonPerMinute",
            "litrePerHour",
            "litrePerMinute",
            "litrePerSecond",
            "millilitrePerHour",
            "millilitrePerMinute",
            "millilitrePerSecond",
        ],
    },
    UnitType {
        name: "VolumeUnit",
        units: &[
            "cubicCentimetre",
            "cubicFoot",
            "cubicInch",
            "cubicMetre",
            "fluidOunce",
            "gallon",
            "litre",
            "millilitre",
        ],
    },
];
